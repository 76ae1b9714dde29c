"""
A client written the way Visual Layer's public API docs write their Python examples
(requests + PyJWT), run against Strata with only the base URL swapped.

Configuration (environment):
  VL_BASE_URL       base URL of the server (default https://app.visual-layer.com)
  VL_API_KEY        API key
  VL_API_SECRET     API secret
  VL_UPLOAD_FILES   image files to upload, separated by os.pathsep
  VL_BUCKET_PATH    a folder the server may import from (bucket_path)
  VL_POLL_SECONDS   seconds between status polls (the docs use 15)
  VL_QUERY_IMAGE    an image to search with ("Visual Search")
  VL_SHARE_EMAIL    a registered user to share a dataset with ("Share a Dataset")

Prints one JSON summary on stdout (progress lines go to stderr).
"""

import json
import os
import sys
import time

import jwt
import requests

VL_BASE_URL = os.environ.get("VL_BASE_URL", "https://app.visual-layer.com")
API_KEY = os.environ["VL_API_KEY"]
API_SECRET = os.environ["VL_API_SECRET"]
UPLOAD_FILES = [p for p in os.environ.get("VL_UPLOAD_FILES", "").split(os.pathsep) if p]
BUCKET_PATH = os.environ["VL_BUCKET_PATH"]
POLL_SECONDS = float(os.environ.get("VL_POLL_SECONDS", "15"))
POLL_TIMEOUT_SECONDS = float(os.environ.get("VL_POLL_TIMEOUT_SECONDS", "300"))
QUERY_IMAGE_PATH = os.environ["VL_QUERY_IMAGE"]
SHARE_EMAIL = os.environ["VL_SHARE_EMAIL"]


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- Authentication: a short-lived JWT signed with the API secret -----------------------------

def generate_jwt(api_key, api_secret):
    now = int(time.time())
    payload = {
        "sub": api_key,
        "iat": now,
        "exp": now + 600,  # 10 minutes
        "iss": "sdk",
    }
    return jwt.encode(payload, api_secret, algorithm="HS256", headers={"kid": api_key})


JWT_TOKEN = generate_jwt(API_KEY, API_SECRET)
headers = {"Authorization": f"Bearer {JWT_TOKEN}"}


# --- Status polling, as in "Retrieve Dataset Status" ------------------------------------------

def wait_for_dataset(dataset_id):
    seen = []
    deadline = time.time() + POLL_TIMEOUT_SECONDS
    while True:
        resp = requests.get(
            f"{VL_BASE_URL}/api/v1/dataset/{dataset_id}",
            headers=headers,
        )
        resp.raise_for_status()
        data = resp.json()
        status = data.get("status_new")
        progress = data.get("progress", 0)
        seen.append({"status_new": status, "progress": progress})
        log(f"  Status: {status} ({progress}%)")
        if status in ("READY", "PARTIAL INDEX", "ERROR"):
            break
        if time.time() > deadline:
            raise TimeoutError(f"dataset {dataset_id} still {status} after {POLL_TIMEOUT_SECONDS} s")
        time.sleep(POLL_SECONDS)
    log(f"Final status: {status}")
    return data, seen


def creation_status(dataset_id):
    resp = requests.get(
        f"{VL_BASE_URL}/api/v1/datasets/{dataset_id}/creation-status",
        headers=headers,
    )
    resp.raise_for_status()
    return resp.json()


def summary_of(dataset, seen):
    return {
        "dataset_id": dataset["id"],
        "display_name": dataset["display_name"],
        "source_type": dataset["source_type"],
        "status_new": dataset["status_new"],
        "status": dataset["status"],
        "progress": dataset["progress"],
        "n_images": dataset["n_images"],
        "n_videos": dataset["n_videos"],
        "n_objects": dataset["n_objects"],
        "fatal_error_msg": dataset["fatal_error_msg"],
        "polled": seen,
        "creation_status": creation_status(dataset["id"]),
    }


# --- 1. Create a dataset from local files (four steps) ----------------------------------------

def create_dataset_from_files(dataset_name, paths):
    # Step 1: create an empty dataset
    resp = requests.get(
        f"{VL_BASE_URL}/api/v1/ingestion/new_dataset",
        headers=headers,
        params={"dataset_name": dataset_name},
    )
    resp.raise_for_status()
    dataset_id = resp.json()["dataset_id"]
    log(f"Created dataset {dataset_id}")

    # Step 2: open an upload transaction
    resp = requests.get(
        f"{VL_BASE_URL}/api/v1/ingestion/{dataset_id}/data_files",
        headers=headers,
    )
    resp.raise_for_status()
    trans_id = resp.json()["trans_id"]

    # Step 3: upload the files
    files = [("files", (os.path.basename(path), open(path, "rb"), "image/jpeg")) for path in paths]
    try:
        resp = requests.post(
            f"{VL_BASE_URL}/api/v1/ingestion/{dataset_id}/data_files/{trans_id}",
            headers=headers,
            files=files,
        )
    finally:
        for _, (_, handle, _) in files:
            handle.close()
    upload_status = resp.status_code
    resp.raise_for_status()
    log(f"Uploaded {len(paths)} files (HTTP {upload_status})")

    # Step 4: start processing
    resp = requests.post(
        f"{VL_BASE_URL}/api/v1/ingestion/{dataset_id}/process_files/{trans_id}",
        headers=headers,
    )
    process_status = resp.status_code
    resp.raise_for_status()
    log(f"Processing started (HTTP {process_status})")

    dataset, seen = wait_for_dataset(dataset_id)
    result = summary_of(dataset, seen)
    result.update({"trans_id": trans_id, "upload_http_status": upload_status, "process_http_status": process_status})
    return result


# --- 2. Create a dataset from a bucket path ---------------------------------------------------

def create_dataset_from_bucket_form(dataset_name, bucket_path):
    # Form fields sent as application/x-www-form-urlencoded
    resp = requests.post(
        f"{VL_BASE_URL}/api/v1/dataset",
        headers=headers,
        data={"dataset_name": dataset_name, "bucket_path": bucket_path},
    )
    resp.raise_for_status()
    dataset_id = resp.json()["dataset_id"]
    log(f"Created dataset {dataset_id} from {bucket_path} (form)")
    dataset, seen = wait_for_dataset(dataset_id)
    return summary_of(dataset, seen)


def create_dataset_from_bucket_multipart(dataset_name, bucket_path):
    # The same fields sent as multipart/form-data
    resp = requests.post(
        f"{VL_BASE_URL}/api/v1/dataset",
        headers=headers,
        files={"dataset_name": (None, dataset_name), "bucket_path": (None, bucket_path)},
    )
    resp.raise_for_status()
    dataset_id = resp.json()["dataset_id"]
    log(f"Created dataset {dataset_id} from {bucket_path} (multipart)")
    dataset, seen = wait_for_dataset(dataset_id)
    return summary_of(dataset, seen)


# --- 3. List datasets -------------------------------------------------------------------------

def list_datasets():
    resp = requests.get(f"{VL_BASE_URL}/api/v1/datasets", headers=headers, params={"include_hidden": True})
    resp.raise_for_status()
    return [{"id": d["id"], "display_name": d["display_name"], "status_new": d["status_new"]} for d in resp.json()]


# --- 4. Visual search, as in "Visual Search" ---------------------------------------------------

def visual_search(dataset_id, bounding_box=None):
    # Step 1: Upload query image (optionally only a region: fractions of the image)
    params = {"threshold": 0, "entity_type": "IMAGES"}
    if bounding_box is not None:
        params["bounding_box"] = json.dumps(bounding_box)
    with open(QUERY_IMAGE_PATH, "rb") as f:
        resp = requests.post(
            f"{VL_BASE_URL}/api/v1/dataset/{dataset_id}/search-image-similarity",
            headers=headers,
            params=params,
            files={"file": f},
        )
    resp.raise_for_status()
    anchor = resp.json()
    anchor_media_id = anchor["anchor_media_id"]
    anchor_type = anchor["anchor_type"]

    # Step 2: Fetch results
    resp = requests.get(
        f"{VL_BASE_URL}/api/v1/explore/{dataset_id}",
        headers=headers,
        params={
            "threshold": 0,
            "entity_type": "IMAGES",
            "page_number": 0,
            "anchor_media_id": anchor_media_id,
            "anchor_type": anchor_type,
        },
    )
    resp.raise_for_status()
    results = resp.json()

    clusters = results.get("clusters", [])
    log(f"Found {len(clusters)} similar clusters")
    for cluster in clusters:
        score = cluster.get("relevance_score")
        n = cluster.get("n_images")
        cid = cluster.get("cluster_id")
        log(f"  Cluster {cid[:8]}... — {n} images, similarity score: {score:.3f}")
        for preview in cluster.get("previews", [])[:3]:
            log(f"    {preview['file_name']} ({preview['relevance_score']:.3f})")
    top = clusters[0]["previews"][0]
    return {
        "anchor_type": anchor_type,
        "n_clusters": len(clusters),
        "top_file_name": top["file_name"],
        "top_relevance_score": top["relevance_score"],
        "top_relevance_score_type": top["relevance_score_type"],
        "top_image_uri": top["image_uri"],
    }


def browse_clusters(dataset_id):
    resp = requests.get(
        f"{VL_BASE_URL}/api/v1/explore/{dataset_id}",
        headers=headers,
        params={"threshold": 0, "entity_type": "IMAGES", "page_number": 0},
    )
    resp.raise_for_status()
    cluster = resp.json()["clusters"][0]
    preview = cluster["previews"][0]
    return {
        "size_display_value": cluster["size_display_value"],
        "formed_by": cluster["formed_by"],
        "labels": cluster["labels"],
        "preview": {key: preview[key] for key in ("media_id", "image_id", "media_uri", "image_uri", "caption", "bounding_box", "user_tags", "labels")},
    }


# --- 5. Share a dataset, as in "Share a Dataset with Another User" -----------------------------

def share_dataset(dataset_id):
    # The form field user_email (curl -F user_email=...)
    resp = requests.post(
        f"{VL_BASE_URL}/api/v1/dataset/{dataset_id}/share",
        headers=headers,
        files={"user_email": (None, SHARE_EMAIL)},
    )
    share_status = resp.status_code
    resp.raise_for_status()
    # The newer form: PUT /manage/{id}/invite, then the member list
    resp = requests.put(
        f"{VL_BASE_URL}/api/v1/manage/{dataset_id}/invite",
        headers={**headers, "Content-Type": "application/json"},
        json={"grant_to_user_email": SHARE_EMAIL},
    )
    resp.raise_for_status()
    invite_body = resp.json()
    resp = requests.get(f"{VL_BASE_URL}/api/v1/manage/{dataset_id}/share", headers=headers)
    resp.raise_for_status()
    return {"share_http_status": share_status, "invite_body": invite_body, "members": resp.json()}


# --- 6. Errors, as in "Error Handling" ---------------------------------------------------------

def validation_error():
    try:
        resp = requests.get(f"{VL_BASE_URL}/api/v1/ingestion/new_dataset", headers=headers)
        resp.raise_for_status()
    except requests.exceptions.HTTPError as e:
        detail = e.response.json().get("detail", e.response.text)
        print(f"Error {e.response.status_code}: {detail}", file=sys.stderr)
        return {"status": e.response.status_code, "detail": detail}
    raise AssertionError("a dataset without a name was accepted")


def main():
    jwt_header = jwt.get_unverified_header(JWT_TOKEN)
    summary = {
        "pyjwt_version": jwt.__version__,
        "requests_version": requests.__version__,
        "jwt_header": jwt_header,
        "upload": create_dataset_from_files("Python upload", UPLOAD_FILES),
        "bucket_form": create_dataset_from_bucket_form("Python bucket (form)", BUCKET_PATH),
        "bucket_multipart": create_dataset_from_bucket_multipart("Python bucket (multipart)", BUCKET_PATH),
        "datasets": list_datasets(),
    }
    dataset_id = summary["bucket_form"]["dataset_id"]
    summary["visual_search"] = visual_search(dataset_id)
    summary["visual_search_box"] = visual_search(dataset_id, {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.6})
    summary["browse"] = browse_clusters(dataset_id)
    summary["share"] = share_dataset(dataset_id)
    summary["validation_error"] = validation_error()
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
