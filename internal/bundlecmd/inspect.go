// inspect.go is "gonetstat bundle inspect BUNDLE": the manifest as
// tables, every entry of the archive checked against it.

package bundlecmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/internal/safetext"
	"github.com/gonetstat/gonetstat/internal/subcmd"
	"github.com/gonetstat/gonetstat/render"
)

const inspectLong = `Print a bundle's manifest as tables: the bundle (its id, host, times,
tool, redaction and limits), then one row per file each collector wrote,
with the collector's status and the file's size, rows and check. Every
entry of the archive is read (nothing is extracted to disk) and checked
against the manifest: its size and SHA-256, that each listed file is
there once, and that nothing else is. Exit status 1 when one does not
match, or the archive cannot be read through.`

// Inspect returns "inspect", the child of "gonetstat bundle". Errors are
// returned, not printed: the caller says them and picks the exit status
// with subcmd.ExitCode (1 for a bundle that does not match its manifest
// or cannot be read, 2 for a usage error).
func Inspect(stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "inspect BUNDLE",
		Short: "print a bundle's manifest and check every file against it",
		Long:  inspectLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("bundle inspect: want one bundle file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return inspect(stdout, args[0])
		},
	}
	subcmd.Setup(c, stdout, stderr)
	return c
}

// inspect prints the manifest of the bundle at path and the check of
// every file; it returns an error when the bundle cannot be read, or when
// a file does not match (after printing the tables).
func inspect(w io.Writer, path string) error {
	a, err := bundle.Open(path)
	if err != nil {
		return fmt.Errorf("bundle inspect: %w", err)
	}
	defer a.Close()
	checks, verr := a.Verify()
	if err := writeSummary(w, a); err != nil {
		return err
	}
	io.WriteString(w, "\n")
	bad, err := writeFiles(w, a.Manifest, checks)
	if err != nil {
		return err
	}
	switch {
	case verr != nil:
		return fmt.Errorf("bundle inspect: %w", verr)
	case bad > 0:
		return fmt.Errorf("bundle inspect: %s: %d of %d files do not match the manifest", safetext.Text(path), bad, len(checks))
	}
	fmt.Fprintf(w, "\nEvery file matches the manifest (%d files).\n", len(checks))
	return nil
}

// newTable is a table in the style of --info, its cells as given.
func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

// cell is an untrusted string as a cell, through safetext; "-" for
// nothing, as the other tables print it.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return safetext.Text(s)
}

func writeSummary(w io.Writer, a *bundle.Archive) error {
	m := a.Manifest
	h := m.Host
	host := fmt.Sprintf("%s (%s %s", safetext.Text(h.Name), safetext.Text(h.OS), safetext.Text(h.Arch))
	if h.Kernel != "" {
		host += ", kernel " + safetext.Text(h.Kernel)
	}
	if h.Platform != "" {
		host += ", " + safetext.Text(strings.TrimSpace(h.Platform+" "+h.PlatformVersion))
	}
	if h.Virtualization != "" {
		host += ", " + safetext.Text(h.Virtualization)
	}
	if h.Elevated {
		host += ", elevated"
	}
	host += ")"
	tool := strings.Join(strings.Fields(strings.Join([]string{m.Tool.Name, m.Tool.Version, m.Tool.Revision, m.Tool.GoVersion}, " ")), " ")
	var ns []string
	for _, n := range m.Invocation.NetNS {
		s := n.File
		if n.Own {
			s += " (own)"
		}
		ns = append(ns, s)
	}
	red := fmt.Sprintf("secrets scrubbed (%d removed)", m.Redaction.SecretsRemoved)
	if len(m.Redaction.Pseudonyms) > 0 {
		red += "; pseudonyms for " + strings.Join(m.Redaction.Pseudonyms, ", ")
	}
	if len(m.Redaction.Failed) > 0 {
		red += "; left out, could not be scrubbed: " + strings.Join(m.Redaction.Failed, ", ")
	}
	var summary []string
	for _, st := range bundle.Statuses {
		summary = append(summary, fmt.Sprintf("%s %d", st, *m.Summary.Count(st)))
	}
	l := m.Limits
	rows := [][2]string{
		{"Bundle", fmt.Sprintf("%s (%s)", a.Name, a.Format)},
		{"ID", m.BundleID},
		{"Host", host},
		{"Created", fmt.Sprintf("%s UTC, in %s", m.Created.UTC().Format("2006-01-02 15:04:05"), render.HumanDuration(m.Finished.Sub(m.Created)))},
		{"Tool", tool},
		{"Command", strings.TrimSpace("gonetstat bundle " + strings.Join(m.Invocation.Args, " "))},
		{"Namespaces", strings.Join(ns, ", ")},
		{"Redaction", red},
		{"Limits", fmt.Sprintf("collector %s, command %s, run %s; file %s, bundle %s",
			ms(l.CollectorTimeoutMS), ms(l.CommandTimeoutMS), ms(l.RunTimeoutMS), render.HumanBytes(l.MaxFileBytes), render.HumanBytes(l.MaxBundleBytes))},
		{"Collectors", strings.Join(summary, ", ")},
	}
	t := newTable(w)
	t.Header([]string{"Manifest", "gonetstat.bundle/v1"})
	for _, r := range rows {
		if err := t.Append([]string{r[0], cell(r[1])}); err != nil {
			return err
		}
	}
	return t.Render()
}

func ms(n int64) string { return render.HumanDuration(time.Duration(n) * time.Millisecond) }

// writeFiles prints one row per file the manifest lists, under its
// collector (a collector that wrote nothing has a row of its own), then
// the fixed entries, and returns how many do not match.
func writeFiles(w io.Writer, m *bundle.Manifest, checks []bundle.EntryCheck) (bad int, err error) {
	problem := map[string]string{}
	for _, c := range checks {
		if !c.Fixed {
			problem[c.File.Path] = c.Problem
		}
	}
	t := newTable(w)
	t.Header([]string{"Collector", "Status", "Time", "File", "Bytes", "Rows", "Check"})
	for _, col := range m.Collectors {
		status := string(col.Status)
		if col.Reason != "" {
			status += ": " + col.Reason
		}
		head := []string{cell(col.Name), cell(status), cell(render.HumanDuration(time.Duration(col.DurationMS) * time.Millisecond))}
		if len(col.Files) == 0 {
			if err := t.Append(append(head, "-", "-", "-", "-")); err != nil {
				return bad, err
			}
		}
		for i, f := range col.Files {
			if i > 0 {
				head = []string{"", "", ""}
			}
			rows := ""
			if f.Rows != nil {
				rows = strconv.FormatInt(*f.Rows, 10)
			}
			check := "ok"
			switch {
			case problem[f.Path] != "":
				check = "MISMATCH: " + problem[f.Path]
				bad++
			case f.Omitted != "":
				check = "left out: " + f.Omitted
			case f.Truncated:
				check = "ok (cut at the file cap)"
			}
			if err := t.Append(append(head, cell(f.Path), cell(render.HumanBytes(f.Bytes)), cell(rows), cell(check))); err != nil {
				return bad, err
			}
		}
	}
	// The entries every bundle holds outside the manifest's list: there
	// or not, with no digest to check.
	head := []string{"(every bundle)", "-", "-"}
	for _, c := range checks {
		if !c.Fixed {
			continue
		}
		check := "present (not listed: no digest)"
		if c.Problem != "" {
			check = "MISMATCH: " + c.Problem
			bad++
		}
		if err := t.Append(append(head, cell(c.File.Path), cell(render.HumanBytes(c.File.Bytes)), "-", cell(check))); err != nil {
			return bad, err
		}
		head = []string{"", "", ""}
	}
	return bad, t.Render()
}
