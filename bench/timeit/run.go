// run.go runs and times the tools, and counts what they printed.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// tool is one line of the tools file.
type tool struct {
	Name string
	Rows string // how to count its rows: text, netstat, ss, json, lines
	Argv []string
}

// Result is one tool's runs in one scenario: a line of the results file.
type Result struct {
	N       int       `json:"n"`       // the load's TCP sockets
	Label   string    `json:"label"`   // the scenario: "base", "+2000 idle", ...
	Sockets int       `json:"sockets"` // rows every tool had to print
	Procs   int       `json:"procs"`   // processes in /proc while it ran
	Tool    string    `json:"tool"`
	Wall    []float64 `json:"wall"` // seconds, one per timed run
	CPU     []float64 `json:"cpu"`  // seconds, user+system
	RSS     []float64 `json:"rss"`  // peak resident MiB
	// Load is the 1-minute load average when the scenario started: on a
	// shared machine, how many others wanted the CPUs.
	Load float64 `json:"load"`
}

// loadAverage reads the 1-minute load average; 0 when it cannot.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscanf(string(b), "%g", &l)
	return l
}

func parseTools(text string) ([]tool, error) {
	var tools []tool
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "|", 3)
		if len(f) != 3 || strings.TrimSpace(f[0]) == "" || len(strings.Fields(f[2])) == 0 {
			return nil, fmt.Errorf("tools line %d: want name|rows|command, got %q", i+1, line)
		}
		t := tool{Name: strings.TrimSpace(f[0]), Rows: strings.TrimSpace(f[1]), Argv: strings.Fields(f[2])}
		if _, err := countRows(t.Rows, nil); err != nil {
			return nil, fmt.Errorf("tools line %d: %w", i+1, err)
		}
		tools = append(tools, t)
	}
	if len(tools) == 0 {
		return nil, errors.New("no tools to run")
	}
	return tools, nil
}

// countRows counts the sockets in a tool's output.
func countRows(mode string, out []byte) (int, error) {
	switch mode {
	case "text":
		// gonetstat's -ano table: "  TCP    ..." and "  UDP    ...".
		return countLines(out, func(l []byte) bool {
			return bytes.HasPrefix(l, []byte("  TCP ")) || bytes.HasPrefix(l, []byte("  UDP "))
		}), nil
	case "netstat":
		// "tcp   0 0 ...", "tcp6 ...", "udp ...", "udp6 ...".
		return countLines(out, func(l []byte) bool {
			return bytes.HasPrefix(l, []byte("tcp")) || bytes.HasPrefix(l, []byte("udp"))
		}), nil
	case "ss":
		n := countLines(out, func(l []byte) bool { return len(l) > 0 })
		if out == nil {
			return 0, nil
		}
		if n == 0 || !bytes.HasPrefix(out, []byte("Netid")) {
			return 0, errors.New("ss printed no header line")
		}
		return n - 1, nil
	case "lines":
		return countLines(out, func(l []byte) bool { return len(l) > 0 }), nil
	case "json":
		if out == nil {
			return 0, nil
		}
		var doc struct {
			Sockets []json.RawMessage `json:"sockets"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			return 0, fmt.Errorf("decoding the JSON: %w", err)
		}
		return len(doc.Sockets), nil
	}
	return 0, fmt.Errorf("unknown rows mode %q (want text, netstat, ss, json or lines)", mode)
}

func countLines(out []byte, keep func([]byte) bool) int {
	n := 0
	for len(out) > 0 {
		line := out
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			line, out = out[:i], out[i+1:]
		} else {
			out = nil
		}
		if keep(line) {
			n++
		}
	}
	return n
}

// sample is one timed run.
type sample struct {
	wall, cpu, rssMiB float64
}

// runOnce runs argv through "timeit spawn" with stdout into out (truncated
// first) and returns its cost.
func runOnce(argv []string, out *os.File) (sample, error) {
	if err := out.Truncate(0); err != nil {
		return sample{}, err
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return sample{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return sample{}, err
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		return sample{}, err
	}
	defer rr.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(self, append([]string{"spawn", path}, argv[1:]...)...)
	cmd.Stdout = out
	cmd.Stderr = &stderr
	cmd.ExtraFiles = []*os.File{rw}
	err = cmd.Start()
	rw.Close()
	if err != nil {
		return sample{}, err
	}
	report, _ := io.ReadAll(rr)
	if err := cmd.Wait(); err != nil {
		return sample{}, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, firstLines(stderr.String(), 5))
	}
	var code int
	var wall, cpu time.Duration
	var rss float64
	if _, err := fmt.Sscanf(string(report), "%d %d %d %g", &code, &wall, &cpu, &rss); err != nil {
		return sample{}, fmt.Errorf("%s: the spawner reported %q: %w", strings.Join(argv, " "), report, err)
	}
	if code != 0 {
		return sample{}, fmt.Errorf("%s: exit status %d: %s", strings.Join(argv, " "), code, firstLines(stderr.String(), 5))
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return sample{}, err
	}
	return sample{wall: wall.Seconds(), cpu: cpu.Seconds(), rssMiB: rss / 1024}, nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " / ")
}

// procCount counts the processes in /proc, as the owner scan sees them.
func procCount() int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if name := e.Name(); name != "" && name[0] >= '1' && name[0] <= '9' {
			n++
		}
	}
	return n
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("timeit run", flag.ContinueOnError)
	toolsFile := fs.String("tools", "", "file of tools, one `name|rows|command` per line")
	n := fs.Int("n", 0, "the load's TCP socket count (a label for the report)")
	label := fs.String("label", "base", "the scenario")
	expect := fs.Int("expect", -1, "rows every tool must print")
	runs := fs.Int("runs", 5, "timed runs per tool")
	warmup := fs.Int("warmup", 1, "untimed runs per tool first")
	check := fs.String("check", "ss -tuanH", "command whose line count must stay -expect after every run")
	outPath := fs.String("out", "", "results file to append to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *toolsFile == "" || *outPath == "" || *expect < 0 || *runs < 1 || *warmup < 0 {
		return errors.New("run needs -tools, -out, -expect >= 0, -runs >= 1 and -warmup >= 0")
	}
	text, err := os.ReadFile(*toolsFile)
	if err != nil {
		return err
	}
	tools, err := parseTools(string(text))
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "gnst-load-out-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	checkLoad := func(after string) error {
		if *check == "" {
			return nil
		}
		if _, err := runOnce(strings.Fields(*check), tmp); err != nil {
			return err
		}
		out, err := os.ReadFile(tmp.Name())
		if err != nil {
			return err
		}
		if got, _ := countRows("lines", out); got != *expect {
			return fmt.Errorf("after %s, %q counts %d sockets, want %d: the load changed, results would not compare", after, *check, got, *expect)
		}
		return nil
	}
	if err := checkLoad("start"); err != nil {
		return err
	}
	results := make([]Result, len(tools))
	procs, load := procCount(), loadAverage()
	for i, t := range tools {
		results[i] = Result{N: *n, Label: *label, Sockets: *expect, Procs: procs, Tool: t.Name, Load: load}
	}
	for round := 0; round < *warmup+*runs; round++ {
		for i, t := range tools {
			s, err := runOnce(t.Argv, tmp)
			if err != nil {
				return err
			}
			out, err := os.ReadFile(tmp.Name())
			if err != nil {
				return err
			}
			got, err := countRows(t.Rows, out)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			if got != *expect {
				return fmt.Errorf("%s listed %d sockets, want %d", t.Name, got, *expect)
			}
			if err := checkLoad(t.Name); err != nil {
				return err
			}
			if round < *warmup {
				continue
			}
			r := &results[i]
			r.Wall = append(r.Wall, s.wall)
			r.CPU = append(r.CPU, s.cpu)
			r.RSS = append(r.RSS, s.rssMiB)
		}
	}
	f, err := os.OpenFile(*outPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
		fmt.Fprintf(os.Stderr, "  %-28s median %7.3f s  cpu %7.3f s  rss %6.1f MiB\n", r.Tool, median(r.Wall), median(r.CPU), median(r.RSS))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
