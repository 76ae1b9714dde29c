/**
 * A file's path on one line that keeps its end in view: when it does not fit, its folders give
 * way (to an ellipsis) before the file's own name does, so that files of one folder stay apart.
 */
export function PathName({ name }: { name: string }) {
  const cut = name.lastIndexOf('/') + 1;
  return (
    <span className="path-name">
      {cut > 0 && <span className="path-dir">{name.slice(0, cut)}</span>}
      <span className="path-base">{name.slice(cut)}</span>
    </span>
  );
}
