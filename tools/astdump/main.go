// Command astdump prints go/parser's AST of Go files in the canonical text
// form that goconc's oracle test compares against (see
// crates/goconc_syntax/src/canonical.rs for the format), and benchmarks
// go/parser for goconc-bench.
//
// Usage:
//
//	astdump FILE                 canonical form of FILE, or "ERROR <offset> <msg>"
//	astdump -batch [-j N]        paths on stdin, one per line; for each writes
//	                             "FILE <nbytes> <path>\n" then nbytes of dump
//	astdump -parse-only [-iters N] [-threads 1,2] [-mode oracle|default] [FILE...]
//	                             read all files (or the paths on stdin) into
//	                             memory, then time parsing them all N times;
//	                             -mode oracle = ParseComments|SkipObjectResolution
//	                             (what the oracle compares), default = mode 0
//
// -parse-only prints one line per thread count:
//
//	PARSE mode=oracle threads=K files=F bytes=B iters=N seconds=S mbps=M errors=E
//
// where bytes is the total size of one pass, seconds the best of the iters
// passes and mbps = bytes / seconds / 1e6.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	batch := flag.Bool("batch", false, "read paths from stdin and dump each, length-prefixed")
	jobs := flag.Int("j", runtime.NumCPU(), "parallel workers in -batch mode")
	parseOnly := flag.Bool("parse-only", false, "benchmark go/parser on the given files")
	iters := flag.Int("iters", 3, "passes over all files in -parse-only mode")
	threads := flag.String("threads", "1,2", "comma-separated goroutine counts in -parse-only mode")
	mode := flag.String("mode", "oracle", "go/parser mode in -parse-only mode: oracle (ParseComments|SkipObjectResolution) or default (0, with object resolution)")
	flag.Parse()

	var err error
	switch {
	case *batch:
		err = runBatch(os.Stdin, os.Stdout, *jobs)
	case *parseOnly:
		var m parser.Mode
		m, err = benchMode(*mode)
		if err == nil {
			err = runParseOnly(flag.Args(), *iters, *threads, m)
		}
	default:
		if flag.NArg() != 1 {
			fmt.Fprintln(os.Stderr, "usage: astdump FILE | astdump -batch [-j N] | astdump -parse-only [-iters N] [-threads 1,2] [FILE...]")
			os.Exit(2)
		}
		err = runSingle(flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "astdump:", err)
		os.Exit(1)
	}
}

func runSingle(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(dumpSource(path, src))
	return err
}

func readPaths(r io.Reader) ([]string, error) {
	var paths []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			paths = append(paths, line)
		}
	}
	return paths, sc.Err()
}

// runBatch dumps every path read from in, writing the results in input order
// while up to jobs workers parse ahead.
func runBatch(in io.Reader, out io.Writer, jobs int) error {
	if jobs < 1 {
		jobs = 1
	}
	type job struct {
		path   string
		result chan []byte
	}
	work := make(chan job)
	// ordered holds the pending jobs in input order; its capacity bounds how
	// far the workers may run ahead of the writer.
	ordered := make(chan job, 4*jobs)
	var wg sync.WaitGroup
	for i := 0; i < jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				src, err := os.ReadFile(j.path)
				if err != nil {
					j.result <- []byte("IOERROR " + strconv.Quote(err.Error()) + "\n")
					continue
				}
				j.result <- dumpSource(j.path, src)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			path := sc.Text()
			if path == "" {
				continue
			}
			j := job{path: path, result: make(chan []byte, 1)}
			ordered <- j
			work <- j
		}
		readErr <- sc.Err()
	}()

	w := bufio.NewWriterSize(out, 1<<20)
	var writeErr error
	for j := range ordered {
		dump := <-j.result
		if writeErr == nil {
			writeErr = writeRecord(w, j.path, dump)
		}
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return err
	}
	if writeErr != nil {
		return writeErr
	}
	return w.Flush()
}

// writeRecord writes "FILE <nbytes> <path>\n" followed by the dump.
func writeRecord(w *bufio.Writer, path string, dump []byte) error {
	if _, err := w.WriteString("FILE " + strconv.Itoa(len(dump)) + " " + path + "\n"); err != nil {
		return err
	}
	_, err := w.Write(dump)
	return err
}

// benchMode maps the -mode flag to a go/parser mode.
func benchMode(name string) (parser.Mode, error) {
	switch name {
	case "oracle":
		return parseMode, nil
	case "default":
		return 0, nil
	}
	return 0, fmt.Errorf("unknown -mode %q (want oracle or default)", name)
}

// runParseOnly loads every file first so that only parsing is timed.
func runParseOnly(args []string, iters int, threadList string, mode parser.Mode) error {
	paths := args
	if len(paths) == 0 {
		var err error
		if paths, err = readPaths(os.Stdin); err != nil {
			return err
		}
	}
	sources := make([][]byte, len(paths))
	total := 0
	for i, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sources[i] = src
		total += len(src)
	}
	if iters < 1 {
		iters = 1
	}
	for _, field := range strings.Split(threadList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || k < 1 {
			return fmt.Errorf("bad -threads entry %q", field)
		}
		prev := runtime.GOMAXPROCS(k)
		best := time.Duration(1<<63 - 1)
		errorsSeen := 0
		for it := 0; it < iters; it++ {
			runtime.GC()
			start := time.Now()
			errorsSeen = parseAll(paths, sources, k, mode)
			if d := time.Since(start); d < best {
				best = d
			}
		}
		runtime.GOMAXPROCS(prev)
		secs := best.Seconds()
		modeName := "oracle"
		if mode != parseMode {
			modeName = "default"
		}
		fmt.Printf("PARSE mode=%s threads=%d files=%d bytes=%d iters=%d seconds=%.6f mbps=%.3f errors=%d\n",
			modeName, k, len(sources), total, iters, secs, float64(total)/secs/1e6, errorsSeen)
	}
	return nil
}

// parseAll parses every source once with k goroutines pulling files from a
// shared counter and returns how many files had syntax errors.
func parseAll(paths []string, sources [][]byte, k int, mode parser.Mode) int {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < k; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(sources) {
					return
				}
				fset := token.NewFileSet()
				if _, err := parser.ParseFile(fset, paths[i], sources[i], mode); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(failed.Load())
}
