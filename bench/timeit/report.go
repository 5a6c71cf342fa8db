// report.go turns the results file into the summary tables and the target
// checks of issue 5, and writes them into docs/performance.md.

package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
)

// Tool names the report looks for (bench/run.sh uses the same).
const (
	toolANO    = "gonetstat -ano"
	toolAN     = "gonetstat -an"
	toolJSON   = "gonetstat -ano --json"
	toolFloor  = "floor"
	toolSS     = "ss -tuan"
	toolSSP    = "ss -tuanp"
	baseLabel  = "base"
	runSection = "bench/run.sh" // the section of docs/performance.md this report owns
	targetsFor = 100000
)

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func readResults(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var res Result
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			return nil, fmt.Errorf("results line %d: %w", line, err)
		}
		if len(res.Wall) == 0 {
			return nil, fmt.Errorf("results line %d: %s has no runs", line, res.Tool)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// scenario is one socket count and label, its tools in run order.
type scenario struct {
	n     int
	label string
	tools []Result
}

func (s *scenario) find(name string) *Result {
	for i := range s.tools {
		if s.tools[i].Tool == name {
			return &s.tools[i]
		}
	}
	return nil
}

func group(results []Result) []*scenario {
	var out []*scenario
	for _, r := range results {
		i := slices.IndexFunc(out, func(s *scenario) bool { return s.n == r.N && s.label == r.Label })
		if i < 0 {
			out = append(out, &scenario{n: r.N, label: r.Label})
			i = len(out) - 1
		}
		out[i].tools = append(out[i].tools, r)
	}
	slices.SortStableFunc(out, func(a, b *scenario) int {
		if c := cmp.Compare(a.n, b.n); c != 0 {
			return c
		}
		return cmp.Compare(labelRank(a.label), labelRank(b.label))
	})
	return out
}

func labelRank(l string) int {
	if l == baseLabel {
		return 0
	}
	return 1
}

func ratio(a, b *Result) string {
	if a == nil || b == nil || median(b.Wall) == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", median(a.Wall)/median(b.Wall))
}

func cpuRatio(a, b *Result) string {
	if a == nil || b == nil || median(b.CPU) == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", median(a.CPU)/median(b.CPU))
}

// busy says how much longer than its CPU time the single-threaded ss -tuan
// took (1.0 on an idle machine): above 1.3, wall times are mostly waiting
// for a CPU and the CPU columns compare better.
func busy(s *scenario) float64 {
	r := s.find(toolSS)
	if r == nil || median(r.CPU) == 0 {
		return 0
	}
	return median(r.Wall) / median(r.CPU)
}

// summary writes the tables and the target checks.
func summary(w io.Writer, results []Result) {
	scens := group(results)
	for _, s := range scens {
		if s.label != baseLabel {
			continue
		}
		fmt.Fprintf(w, "N = %d: %d sockets listed by every tool, %d processes, %d runs each, load average %.1f", s.n, s.tools[0].Sockets, s.tools[0].Procs, len(s.tools[0].Wall), s.tools[0].Load)
		if b := busy(s); b > 1.3 {
			fmt.Fprintf(w, " (busy: ss -tuan took %.1f× its CPU time in wall time; compare the CPU ratios)", b)
		}
		fmt.Fprintf(w, "\n\n| tool | wall median | min–max | CPU median | peak RSS median | wall ÷ floor | CPU ÷ floor | wall ÷ ss -tuanp |\n")
		fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|\n")
		floor, ssp := s.find(toolFloor), s.find(toolSSP)
		for i := range s.tools {
			r := &s.tools[i]
			fmt.Fprintf(w, "| %s | %.3f s | %.3f–%.3f s | %.3f s | %.1f MiB | %s | %s | %s |\n",
				r.Tool, median(r.Wall), slices.Min(r.Wall), slices.Max(r.Wall), median(r.CPU), median(r.RSS), ratio(r, floor), cpuRatio(r, floor), ratio(r, ssp))
		}
		fmt.Fprintln(w)
		for _, x := range scens {
			if x.n != s.n || x.label == baseLabel {
				continue
			}
			for i := range x.tools {
				r := &x.tools[i]
				line := fmt.Sprintf("- %s, %s (%d processes, load average %.1f): %.3f s (min–max %.3f–%.3f), CPU %.3f s, %.1f MiB", r.Tool, x.label, r.Procs, r.Load, median(r.Wall), slices.Min(r.Wall), slices.Max(r.Wall), median(r.CPU), median(r.RSS))
				if b := s.find(r.Tool); b != nil {
					line += fmt.Sprintf("; %+.3f s wall, %+.3f s CPU over %d processes", median(r.Wall)-median(b.Wall), median(r.CPU)-median(b.CPU), b.Procs)
				}
				fmt.Fprintln(w, line)
			}
			fmt.Fprintln(w)
		}
	}
	targets(w, scens)
}

func targets(w io.Writer, scens []*scenario) {
	var lines []string
	check := func(ok bool, format string, args ...any) {
		mark := "met"
		if !ok {
			mark = "NOT met"
		}
		lines = append(lines, fmt.Sprintf("- "+format+": %s", append(args, mark)...))
	}
	for _, s := range scens {
		if s.label != baseLabel {
			continue
		}
		ano, an, js, floor, ss := s.find(toolANO), s.find(toolAN), s.find(toolJSON), s.find(toolFloor), s.find(toolSS)
		if ano == nil {
			continue
		}
		if s.n <= 1000 {
			check(median(ano.Wall) <= 0.030, "N = %d: gonetstat -ano %.1f ms ≤ 30 ms", s.n, 1000*median(ano.Wall))
		}
		if s.n != targetsFor {
			continue
		}
		if floor != nil {
			check(median(ano.Wall) <= 1.2*median(floor.Wall), "N = %d: gonetstat -ano ÷ floor = %s ≤ 1.2 (stretch ≤ 1.0; CPU %s)", s.n, ratio(ano, floor), cpuRatio(ano, floor))
		}
		if an != nil && ss != nil {
			check(median(an.Wall) <= 1.1*median(ss.Wall), "N = %d: gonetstat -an ÷ ss -tuan = %s ≤ 1.1 (CPU %s)", s.n, ratio(an, ss), cpuRatio(an, ss))
		}
		for _, r := range []*Result{ano, an, js} {
			if r != nil {
				check(median(r.RSS) <= 40, "N = %d: %s peak RSS %.1f MiB ≤ 40 MiB", s.n, r.Tool, median(r.RSS))
			}
		}
		if js != nil {
			check(median(js.Wall) <= 1.3*median(ano.Wall), "N = %d: --json ÷ -ano = %s ≤ 1.3 (CPU %s)", s.n, ratio(js, ano), cpuRatio(js, ano))
		}
		for _, x := range scens {
			if x.n != s.n || x.label != "+2000 idle" {
				continue
			}
			if r := x.find(toolANO); r != nil {
				d := median(r.Wall) - median(ano.Wall)
				check(d <= 0.15, "N = %d: 2,000 extra idle processes add %.3f s ≤ 0.15 s to gonetstat -ano (CPU %+.3f s)", s.n, d, median(r.CPU)-median(ano.CPU))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "Targets of issue 5:")
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// marks are the lines that delimit the section a script owns in a
// markdown file: "<!-- NAME: begin -->" and "<!-- NAME: end -->".
func marks(name string) (begin, end string) {
	return "<!-- " + name + ": begin -->", "<!-- " + name + ": end -->"
}

// replaceSection puts body between the markers of the section name in
// doc, or appends a marked section when the markers are absent. Every
// benchmark script writes its part of docs/performance.md through it
// (bench/run.sh by "timeit report", bench/tap.sh and bench/netns.sh by
// "timeit section").
func replaceSection(doc []byte, name string, body []byte) ([]byte, error) {
	beginMark, endMark := marks(name)
	b, e := bytes.Index(doc, []byte(beginMark)), bytes.Index(doc, []byte(endMark))
	section := append(append([]byte(beginMark+"\n"), body...), endMark...)
	switch {
	case b < 0 && e < 0:
		out := bytes.TrimRight(doc, "\n")
		out = append(out, "\n\n"...)
		return append(append(out, section...), '\n'), nil
	case b < 0 || e < b:
		return nil, errors.New("the markers are out of order or one is missing")
	}
	out := slices.Clone(doc[:b])
	out = append(out, section...)
	return append(out, doc[e+len(endMark):]...), nil
}

func reportCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("timeit report", flag.ContinueOnError)
	in := fs.String("in", "", "results file")
	doc := fs.String("doc", "", "markdown file whose marked section to rewrite")
	head := fs.String("head", "", "file with the section's text before the tables")
	tail := fs.String("tail", "", "file with the section's text after the tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	results, err := readResults(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return fmt.Errorf("%s holds no results", *in)
	}
	var sum bytes.Buffer
	summary(&sum, results)
	stdout.Write(sum.Bytes())
	if *doc == "" {
		return nil
	}
	var parts [][]byte
	for _, p := range []string{*head, *tail} {
		if p == "" {
			parts = append(parts, nil)
			continue
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		parts = append(parts, text)
	}
	var body bytes.Buffer
	for _, text := range [][]byte{parts[0], sum.Bytes(), parts[1]} {
		if len(text) == 0 {
			continue
		}
		body.Write(text)
		if !bytes.HasSuffix(text, []byte("\n")) {
			body.WriteByte('\n')
		}
		body.WriteByte('\n')
	}
	old, err := os.ReadFile(*doc)
	if err != nil {
		return err
	}
	updated, err := replaceSection(old, runSection, body.Bytes())
	if err != nil {
		return fmt.Errorf("%s: %w", *doc, err)
	}
	return os.WriteFile(*doc, updated, 0o644)
}

// sectionCmd replaces one script's section of a markdown file with
// standard input: timeit section -doc FILE -name NAME.
func sectionCmd(args []string, stdin io.Reader) error {
	fs := flag.NewFlagSet("timeit section", flag.ContinueOnError)
	doc := fs.String("doc", "", "markdown file")
	name := fs.String("name", "", `section name, as in "<!-- NAME: begin -->"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *doc == "" || *name == "" || fs.NArg() > 0 {
		return errors.New("timeit section: want -doc FILE -name NAME and the body on standard input")
	}
	body, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(*doc)
	if err != nil {
		return err
	}
	updated, err := replaceSection(old, *name, body)
	if err != nil {
		return fmt.Errorf("%s: %w", *doc, err)
	}
	return os.WriteFile(*doc, updated, 0o644)
}
