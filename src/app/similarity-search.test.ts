import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.ts';
import { parseBoundingBox } from './similarity-search.ts';

const refusal = (raw: string) => {
  try {
    parseBoundingBox(raw);
  } catch (err) {
    if (err instanceof DomainError) return err.message;
  }
  throw new Error(`${raw} was accepted`);
};

describe('parseBoundingBox', () => {
  it("reads Visual Layer's documented box as fractions of the image", () => {
    expect(parseBoundingBox('{"x":0.1,"y":0.2,"width":0.5,"height":0.6}')).toEqual({ unit: 'fractions', left: 0.1, top: 0.2, width: 0.5, height: 0.6 });
    expect(parseBoundingBox('0,0,0.5,1')).toEqual({ unit: 'fractions', left: 0, top: 0, width: 0.5, height: 1 });
  });

  it('reads a box with a value above 1 as whole pixels', () => {
    expect(parseBoundingBox('[10, 20, 300, 200]')).toEqual({ unit: 'pixels', left: 10, top: 20, width: 300, height: 200 });
    expect(parseBoundingBox('{"left":0,"top":0,"w":2,"h":1}')).toEqual({ unit: 'pixels', left: 0, top: 0, width: 2, height: 1 });
  });

  it('refuses a box of only 0s and 1s as ambiguous, and fractions reaching past the image', () => {
    expect(refusal('[0,0,1,1]')).toMatch(/ambiguous/);
    expect(refusal('{"x":1,"y":0,"width":1,"height":1}')).toMatch(/ambiguous/);
    expect(refusal('{"x":0.6,"y":0,"width":0.5,"height":1}')).toMatch(/at most 1/);
    expect(refusal('{"x":0.1,"y":0,"width":0,"height":0.5}')).toMatch(/above 0/);
    expect(refusal('[1, 2, 3]')).toMatch(/must be/);
    expect(refusal('{"x":-0.1,"y":0,"width":0.5,"height":0.5}')).toMatch(/must be/);
  });
});
