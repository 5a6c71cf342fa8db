// Command timeit is bench/run.sh's stopwatch and report writer.
//
//	timeit run -tools FILE -n N -label L -expect ROWS -out RESULTS [-runs 5] [-warmup 1] [-check CMD]
//	timeit report -in RESULTS [-doc docs/performance.md] [-host TEXT]
//
// run times each tool of FILE (one per line: "name|rows|command args...")
// after warm-up runs, interleaving the tools round by round so that a noisy
// neighbour slows all of them alike. Each run's stdout goes to a file, not
// /dev/null, as a pipe or terminal would take it. It records wall time,
// CPU time (user+system, from wait4) and peak RSS, counts the rows the
// tool printed ("rows": text for gonetstat's table, netstat, ss (one
// header line), json, lines) and stops with an error when a count is not
// ROWS. After every run it runs CHECK (default `ss -tuanH`) and stops when
// that count shrank: the load died under the tools.
//
// report prints the medians, min–max and ratios per socket count and
// scenario, and whether issue 5's targets hold; with -doc it writes the
// same text into that file between the markers
// "<!-- bench/run.sh: begin -->" and "<!-- bench/run.sh: end -->",
// leaving the rest of the file alone.
//
// It lives in the main module: it needs only the standard library.
package main
