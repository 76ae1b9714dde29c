import { describe, expect, it } from 'vitest';
import { sizeDisplayValue } from './explore.ts';

describe('sizeDisplayValue', () => {
  it("writes bytes as Visual Layer's size_display_value does: whole units of 1024, no space", () => {
    expect(sizeDisplayValue(0)).toBe('0B');
    expect(sizeDisplayValue(1023)).toBe('1023B');
    expect(sizeDisplayValue(1024)).toBe('1KB');
    expect(sizeDisplayValue(1535)).toBe('1KB');
    expect(sizeDisplayValue(1024 * 1024 - 1)).toBe('1MB');
    expect(sizeDisplayValue(5.6 * 1024 ** 3)).toBe('6GB');
  });
});
