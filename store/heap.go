package store

import (
	"container/heap"
	"time"
)

// heapItem is an entry of an expiryHeap: it knows its expiry and records
// its position in the heap, so that heap.Fix and heap.Remove can find it.
type heapItem interface {
	expiry() time.Time
	setIndex(i int)
}

// expiryHeap is a container/heap of entries ordered by expiry, soonest
// first: the one heap of both memory stores, which sweep expired entries
// from its top.
type expiryHeap[T heapItem] []T

func (h expiryHeap[T]) Len() int           { return len(h) }
func (h expiryHeap[T]) Less(i, j int) bool { return h[i].expiry().Before(h[j].expiry()) }
func (h expiryHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setIndex(i)
	h[j].setIndex(j)
}

// Push implements heap.Interface; call heap.Push instead.
func (h *expiryHeap[T]) Push(x any) {
	it := x.(T)
	it.setIndex(len(*h))
	*h = append(*h, it)
}

// Pop implements heap.Interface; call heap.Pop instead.
func (h *expiryHeap[T]) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	var zero T
	old[n-1] = zero
	*h = old[:n-1]
	return it
}

var _ heap.Interface = (*expiryHeap[*memItem])(nil)
