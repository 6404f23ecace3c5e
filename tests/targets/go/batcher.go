// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The leakbpf authors

// batcher: the channel batcher in Go. Each round, P producer goroutines send N items
// (item i by producer i%P) into a channel; one batcher goroutine collects them into a
// fresh slice and calls flushBatch every B items and once more for a partial last batch,
// so a round makes ceil(N/B) batches exactly. flushBatch calls processItem once per item.
//
//	batcher [-rounds R] [-items N] [-producers P] [-batch B] [-leak] [-stress]
//
// -leak: each round also starts 3 goroutines blocked forever on a channel nobody writes,
// and processItem keeps a heap copy of every item in a global map.
// -stress: rounds of 500000 items (one unless -rounds says how many; overrides -items).
//
// Synchronises with the test harness like the C targets (../ctl.h): with fd 3 open it says
// "ready" on fd 4 after setup, waits for "go" on fd 3, says "done" after the rounds and
// waits for "exit". Between "go" and "done" it prints one line on stdout:
//
//	batcher: items=.. batches=.. goroutines_start=.. goroutines_end=.. mallocs=.. frees=..
//	heap_alloc_start=.. heap_alloc_end=.. numgc_start=.. numgc_end=.. pause_max_ns=..
//	pause_total_ns=.. elapsed_ns=.. round_median_ns=..
//
// (one line). Both ends are measured after runtime.GC(): goroutines_* are
// runtime.NumGoroutine() before the first and after the last round; mallocs, frees and
// pause_total_ns are MemStats deltas over the rounds (the closing runtime.GC() included);
// heap_alloc_* and numgc_* are the MemStats values at each end; pause_max_ns is the largest
// PauseNs of the cycles numgc_start+1..numgc_end (the last 256 of them at most);
// elapsed_ns is the rounds' wall time, round_median_ns the median round's (the stress
// run's throughput: over several rounds, less moved by a shared machine's noise).
//
// After "exit", as its very last work, it prints the runtime's totals since it began,
// taken when it allocates nothing more itself (the line is written without allocating;
// the runtime's own goroutines, such as the scavenger, may still allocate a little):
//
//	batcher_end: mallocs_total=.. total_alloc_total=..
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Item is what producers send: small, passed by value.
type Item struct {
	ID       int64
	Round    int32
	Producer int32
	Value    uint64
}

var (
	leak    bool
	kept    map[int64]*Item // -leak: every item, forever
	blocked []chan struct{} // -leak: channels nobody writes
	sum     uint64          // keeps processItem's work alive
	nbatch  int64
	nitems  int64
)

//go:noinline
func processItem(it Item) {
	sum += it.Value ^ uint64(it.ID)
	nitems++
	if leak {
		p := new(Item)
		*p = it
		kept[it.ID] = p
	}
}

//go:noinline
func flushBatch(batch []Item) {
	for _, it := range batch {
		processItem(it)
	}
	nbatch++
}

func round(r, n, producers, b int) {
	ch := make(chan Item, b)
	var pw sync.WaitGroup
	done := make(chan struct{})

	go func() { // the batcher
		batch := make([]Item, 0, b)
		for it := range ch {
			batch = append(batch, it)
			if len(batch) == b {
				flushBatch(batch)
				batch = make([]Item, 0, b)
			}
		}
		if len(batch) > 0 {
			flushBatch(batch)
		}
		close(done)
	}()
	for p := 0; p < producers; p++ {
		pw.Add(1)
		go func(p int) {
			defer pw.Done()
			for i := p; i < n; i += producers {
				id := int64(r)*int64(n) + int64(i)
				ch <- Item{ID: id, Round: int32(r), Producer: int32(p), Value: uint64(id) * 2654435761}
			}
		}(p)
	}
	if leak {
		for k := 0; k < 3; k++ {
			c := make(chan struct{})
			blocked = append(blocked, c)
			go func(c chan struct{}) { <-c }(c)
		}
	}
	pw.Wait()
	close(ch)
	<-done
}

// ctl: the line protocol of ../ctl.h, with raw reads and writes.
const ctlIn, ctlOut = 3, 4

var ctlOn bool

// fd 3 is ours only if it is the pipe (or socket) a test gave us at exec: run by hand, the
// runtime's own epoll fd may have taken it by now, or a shell may have leaked something else.
func ctlInit() {
	var st syscall.Stat_t
	if syscall.Fstat(ctlIn, &st) != nil {
		return
	}
	if t := st.Mode & syscall.S_IFMT; t != syscall.S_IFIFO && t != syscall.S_IFSOCK {
		return
	}
	ctlOn = true
}

func ctlWait(word string) {
	if !ctlOn {
		return
	}
	var line [64]byte
	var c [1]byte
	n := 0
	for n < len(line)-1 {
		r, err := syscall.Read(ctlIn, c[:])
		if err == syscall.EINTR {
			continue
		}
		if r <= 0 {
			os.Exit(99) // the test went away
		}
		if c[0] == '\n' {
			break
		}
		line[n] = c[0]
		n++
	}
	if string(line[:n]) != word {
		os.Exit(98)
	}
}

func ctlSay(word string) {
	if !ctlOn {
		return
	}
	b := []byte(word + "\n")
	if n, err := syscall.Write(ctlOut, b); err != nil || n != len(b) {
		os.Exit(97)
	}
}

func main() {
	ctlInit()
	rounds := flag.Int("rounds", 5, "rounds")
	items := flag.Int("items", 50000, "items per round")
	producers := flag.Int("producers", 4, "producer goroutines")
	b := flag.Int("batch", 100, "batch size")
	flag.BoolVar(&leak, "leak", false, "leak goroutines and items")
	stress := flag.Bool("stress", false, "rounds of 500000 items (one unless -rounds)")
	flag.Parse()
	if *stress {
		*items = 500000
		roundsSet := false
		flag.Visit(func(f *flag.Flag) { roundsSet = roundsSet || f.Name == "rounds" })
		if !roundsSet {
			*rounds = 1
		}
	}
	if *rounds < 0 || *items < 0 || *producers < 1 || *b < 1 {
		fmt.Fprintln(os.Stderr, "batcher: bad arguments")
		os.Exit(2)
	}
	if leak {
		kept = make(map[int64]*Item)
	}

	ctlSay("ready")
	ctlWait("go")

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()

	// each round's time too: the median round is a rate a shared machine's noise moves less
	roundNs := make([]int64, *rounds)
	began := time.Now()
	for r := 0; r < *rounds; r++ {
		t := time.Now()
		round(r, *items, *producers, *b)
		roundNs[r] = time.Since(t).Nanoseconds()
	}
	elapsed := time.Since(began)
	sort.Slice(roundNs, func(i, j int) bool { return roundNs[i] < roundNs[j] })
	var medianNs int64
	if *rounds > 0 {
		medianNs = roundNs[*rounds/2]
	}

	// Goroutines that returned may not have reached goexit yet: yield until they have
	// (bounded; no sleeping).
	want := g0
	if leak {
		want += 3 * *rounds
	}
	for i := 0; i < 10000 && runtime.NumGoroutine() > want; i++ {
		runtime.Gosched()
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	g1 := runtime.NumGoroutine()

	var pmax uint64
	first := m0.NumGC + 1
	if m1.NumGC >= 256 && first < m1.NumGC-255 {
		first = m1.NumGC - 255
	}
	for c := first; c <= m1.NumGC; c++ {
		if p := m1.PauseNs[(c+255)%256]; p > pmax {
			pmax = p
		}
	}
	fmt.Printf("batcher: items=%d batches=%d goroutines_start=%d goroutines_end=%d "+
		"mallocs=%d frees=%d total_alloc=%d heap_alloc_start=%d heap_alloc_end=%d numgc_start=%d "+
		"numgc_end=%d pause_max_ns=%d pause_total_ns=%d elapsed_ns=%d round_median_ns=%d\n",
		nitems, nbatch, g0, g1, m1.Mallocs-m0.Mallocs, m1.Frees-m0.Frees,
		m1.TotalAlloc-m0.TotalAlloc, m0.HeapAlloc, m1.HeapAlloc, m0.NumGC, m1.NumGC, pmax,
		m1.PauseTotalNs-m0.PauseTotalNs, elapsed.Nanoseconds(), medianNs)

	ctlSay("done")
	ctlWait("exit")
	printTotals()
	runtime.KeepAlive(blocked)
}

// endLine is allocated up front: printing the totals must not change them.
var endLine = make([]byte, 0, 128)

func printTotals() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b := append(endLine, "batcher_end: mallocs_total="...)
	b = strconv.AppendUint(b, m.Mallocs, 10)
	b = append(b, " total_alloc_total="...)
	b = strconv.AppendUint(b, m.TotalAlloc, 10)
	b = append(b, '\n')
	syscall.Write(1, b)
}
