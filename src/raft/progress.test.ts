// Unit tests of the leader's per-follower bookkeeping: the bounded in-flight window, and the
// probe / replicate / snapshot modes of Progress with their acknowledgement and rejection rules.
import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from './progress.ts';

describe('Inflights', () => {
  it('fills up to its capacity and frees acknowledged messages in order', () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(8);
    expect(w.full()).toBe(false);
    w.add(12);
    expect(w.full()).toBe(true);
    expect(w.count()).toBe(3);
    // An acknowledgement up to 9 releases the messages ending at 5 and 8.
    w.freeLE(9);
    expect(w.count()).toBe(1);
    expect(w.full()).toBe(false);
    w.freeLE(4);
    expect(w.count()).toBe(1);
    w.freeLE(12);
    expect(w.count()).toBe(0);
  });

  it('frees the oldest message alone, and resets to empty', () => {
    const w = new Inflights(2);
    w.add(1);
    w.add(2);
    w.freeFirst();
    expect(w.count()).toBe(1);
    w.reset();
    expect(w.count()).toBe(0);
  });
});

describe('Progress.maybeUpdate', () => {
  it('advances match and next on a newer acknowledgement only', () => {
    const pr = new Progress(5, 4);
    pr.probeSent = true;
    expect(pr.maybeUpdate(3)).toBe(true);
    expect(pr.match).toBe(3);
    // next was already past the acknowledgement.
    expect(pr.next).toBe(5);
    expect(pr.probeSent).toBe(false);
    expect(pr.maybeUpdate(2)).toBe(false);
    expect(pr.match).toBe(3);
    expect(pr.maybeUpdate(7)).toBe(true);
    expect(pr.next).toBe(8);
  });
});

describe('Progress.maybeDecrTo', () => {
  it('in probe mode, backs off to the hint (never below match + 1)', () => {
    const pr = new Progress(10, 4);
    pr.match = 2;
    pr.probeSent = true;
    // Rejected prevLogIndex 9; the follower's log may still match up to 5.
    expect(pr.maybeDecrTo(9, 5)).toBe(true);
    expect(pr.next).toBe(6);
    expect(pr.probeSent).toBe(false);
    // A hint below match cannot move next below match + 1.
    pr.probeSent = true;
    expect(pr.maybeDecrTo(5, 0)).toBe(true);
    expect(pr.next).toBe(3);
  });

  it('in probe mode, ignores a rejection of anything but the last probe', () => {
    const pr = new Progress(10, 4);
    expect(pr.maybeDecrTo(7, 3)).toBe(false);
    expect(pr.next).toBe(10);
  });

  it('in probe mode, never goes beyond the rejected index', () => {
    const pr = new Progress(10, 4);
    expect(pr.maybeDecrTo(9, 20)).toBe(true);
    expect(pr.next).toBe(9);
  });

  it('in replicate mode, falls back to match + 1 unless the rejection is stale', () => {
    const pr = new Progress(4, 4);
    pr.maybeUpdate(3);
    pr.becomeReplicate();
    pr.next = 9;
    expect(pr.maybeDecrTo(3, 0)).toBe(false);
    expect(pr.next).toBe(9);
    expect(pr.maybeDecrTo(6, 1)).toBe(true);
    expect(pr.next).toBe(4);
  });
});

describe('Progress modes', () => {
  it('probe pauses after one message; replicate pauses when the window is full', () => {
    const pr = new Progress(1, 2);
    expect(pr.state).toBe('probe');
    expect(pr.isPaused()).toBe(false);
    pr.probeSent = true;
    expect(pr.isPaused()).toBe(true);

    pr.maybeUpdate(4);
    pr.becomeReplicate();
    expect(pr.next).toBe(5);
    expect(pr.isPaused()).toBe(false);
    pr.inflights.add(6);
    pr.inflights.add(8);
    expect(pr.isPaused()).toBe(true);
    pr.inflights.freeLE(6);
    expect(pr.isPaused()).toBe(false);
  });

  it('becoming probe resets the window and resumes right after match', () => {
    const pr = new Progress(1, 2);
    pr.maybeUpdate(4);
    pr.becomeReplicate();
    pr.next = 9;
    pr.inflights.add(8);
    pr.becomeProbe();
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(5);
    expect(pr.inflights.count()).toBe(0);
  });

  it('snapshot mode is paused and resumes after the snapshot when it ends', () => {
    const pr = new Progress(1, 2);
    pr.maybeUpdate(2);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    expect(pr.pendingSnapshot).toBe(20);
    pr.becomeProbe();
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(21);
    expect(pr.pendingSnapshot).toBe(0);
  });
});
