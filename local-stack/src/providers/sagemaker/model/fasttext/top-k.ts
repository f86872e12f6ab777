/**
 * fastText's `Loss::findKBest` + `std::sort_heap`, with libstdc++'s heap algorithms reproduced
 * step by step, so that labels with equal scores come out in the same order as the CLI prints them.
 * The heap is ordered by `comparePairs` (`a.score > b.score`): a min-heap on the score.
 */

export interface ScoredLabel {
  /** log(probability + 1e-5), as a float32. */
  score: number;
  label: number;
}

const comesBefore = (a: ScoredLabel, b: ScoredLabel): boolean => a.score > b.score;

function pushHeapHole(heap: ScoredLabel[], holeIndex: number, topIndex: number, value: ScoredLabel): void {
  let hole = holeIndex;
  let parent = Math.floor((hole - 1) / 2);
  while (hole > topIndex && comesBefore(heap[parent]!, value)) {
    heap[hole] = heap[parent]!;
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  heap[hole] = value;
}

function adjustHeap(heap: ScoredLabel[], holeIndex: number, length: number, value: ScoredLabel): void {
  const topIndex = holeIndex;
  let hole = holeIndex;
  let secondChild = holeIndex;
  while (secondChild < Math.floor((length - 1) / 2)) {
    secondChild = 2 * (secondChild + 1);
    if (comesBefore(heap[secondChild]!, heap[secondChild - 1]!)) secondChild--;
    heap[hole] = heap[secondChild]!;
    hole = secondChild;
  }
  if ((length & 1) === 0 && secondChild === Math.floor((length - 2) / 2)) {
    secondChild = 2 * (secondChild + 1);
    heap[hole] = heap[secondChild - 1]!;
    hole = secondChild - 1;
  }
  pushHeapHole(heap, hole, topIndex, value);
}

/** `std::pop_heap` over `heap[0, length)`: moves the top to `length - 1`. */
function popHeap(heap: ScoredLabel[], length: number): void {
  if (length <= 1) return;
  const last = length - 1;
  const value = heap[last]!;
  heap[last] = heap[0]!;
  adjustHeap(heap, 0, last, value);
}

/** The `k` best of `scores` (indexed by label), best first, as fastText orders them. */
export function topK(scores: Float32Array, k: number, threshold: number, scoreOf: (probability: number) => number): ScoredLabel[] {
  const heap: ScoredLabel[] = [];
  for (let label = 0; label < scores.length; label++) {
    const probability = scores[label]!;
    if (probability < threshold) continue;
    const score = scoreOf(probability);
    if (heap.length === k && score < heap[0]!.score) continue;
    heap.push({ score, label });
    pushHeapHole(heap, heap.length - 1, 0, heap[heap.length - 1]!);
    if (heap.length > k) {
      popHeap(heap, heap.length);
      heap.pop();
    }
  }
  for (let length = heap.length; length > 1; length--) popHeap(heap, length);
  return heap;
}
