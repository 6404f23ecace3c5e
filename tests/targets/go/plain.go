// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The leakbpf authors

// plain: the smallest pure-Go target (no cgo, a static binary): opens a file, runs two
// goroutines to completion, exits 0.
package main

import (
	"os"
	"sync"
)

func main() {
	f, err := os.Open("/proc/self/stat")
	if err != nil {
		os.Exit(1)
	}
	var wg sync.WaitGroup
	var n [2]int
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			buf := make([]byte, 64)
			n[i] = len(buf) + i
		}(i)
	}
	wg.Wait()
	f.Close()
	os.Exit(0)
}
