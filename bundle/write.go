// write.go writes the archive: the manifest and the other fixed entries
// first, then every collector's files; it reads the archive back to check
// each entry against the manifest before it is renamed into place, and
// writes the .sha256 beside it.

package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// fixedEntry is one of the entries every bundle starts with.
type fixedEntry struct {
	name string
	data []byte
}

// writeArchive writes the bundle to out ("-": stdout) and verifies it.
func (b *run) writeArchive(out string, files [][]*staged) (*Result, error) {
	m := &b.manifest
	// The log is scrubbed first, so that its secrets are counted in the
	// manifest.
	logText := b.logText()
	b.mu.Lock()
	m.Redaction.SecretsRemoved = b.secrets
	b.mu.Unlock()
	var manifest bytes.Buffer
	if err := Encode(&manifest, m); err != nil {
		return nil, err
	}
	version, err := json.MarshalIndent(m.Tool, "", "  ")
	if err != nil {
		return nil, err
	}
	fixed := []fixedEntry{
		{ManifestPath, manifest.Bytes()},
		{SummaryPath, []byte(b.summaryText())},
		{ReadmePath, []byte(b.readmeText())},
		{VersionPath, append(escapeUnsafe(version), '\n')},
		{LogPath, []byte(logText)},
	}

	// The archive is written to a file first, in the directory it goes
	// to (or the staging directory for stdout), read back, and only then
	// renamed into place or copied out: a half-written or wrong bundle is
	// never left under the final name.
	dir := b.dir
	if out != "-" {
		dir = filepath.Dir(out)
	}
	tmp, err := os.CreateTemp(dir, ".gonetstat-bundle-*.partial")
	if err != nil {
		return nil, fmt.Errorf("creating the archive: %w", err)
	}
	tmpName := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return nil, fmt.Errorf("creating the archive: %w", err)
	}
	hash := sha256.New()
	aw := newArchiveWriter(io.MultiWriter(tmp, hash), b.opt.Format)
	mod := m.Created
	for _, e := range fixed {
		if err := aw.add(e.name, int64(len(e.data)), mod, bytes.NewReader(e.data)); err != nil {
			return nil, fmt.Errorf("writing %s: %w", e.name, err)
		}
	}
	for _, fs := range files {
		for _, f := range fs {
			if err := addStaged(aw, f, mod); err != nil {
				return nil, err
			}
		}
	}
	if err := aw.close(); err != nil {
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	if err := Verify(tmp, size); err != nil {
		return nil, fmt.Errorf("the archive written does not verify: %w", err)
	}
	sum := hex.EncodeToString(hash.Sum(nil))
	res := &Result{Path: out, Bytes: size, SHA256: sum, Manifest: m}
	if out == "-" {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if _, err := io.Copy(b.env.Stdout, tmp); err != nil {
			return nil, fmt.Errorf("writing the archive to standard output: %w", err)
		}
		return res, nil
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	keep = true
	// sha256sum's format: the digest, two spaces, the file's name.
	line := sum + "  " + filepath.Base(out) + "\n"
	if err := os.WriteFile(out+".sha256", []byte(line), 0o600); err != nil {
		return nil, fmt.Errorf("writing %s.sha256: %w", out, err)
	}
	return res, nil
}

func addStaged(aw archiveWriter, f *staged, mod time.Time) error {
	r, err := os.Open(f.tmp)
	if err != nil {
		return fmt.Errorf("reading the staged %s: %w", f.Path, err)
	}
	defer r.Close()
	if err := aw.add(f.Path, f.Bytes, mod, r); err != nil {
		return fmt.Errorf("writing %s: %w", f.Path, err)
	}
	return nil
}

func isFixed(name string) bool {
	switch name {
	case SummaryPath, ReadmePath, VersionPath, LogPath:
		return true
	}
	return false
}

// summaryText is summary.txt: one line per collector.
func (b *run) summaryText() string {
	m := &b.manifest
	var s strings.Builder
	fmt.Fprintf(&s, "gonetstat bundle %s of %s, %s to %s\n", m.BundleID, m.Host.Name,
		m.Created.Format(time.RFC3339), m.Finished.Format(time.RFC3339))
	fmt.Fprintf(&s, "%s\n\n", summaryLine(m))
	width := 0
	for _, c := range m.Collectors {
		width = max(width, len(c.Name))
	}
	for _, c := range m.Collectors {
		kept := 0
		for _, f := range c.Files {
			if f.Omitted == "" {
				kept++
			}
		}
		line := fmt.Sprintf("%-*s  %-11s %9s  %d file(s)", width, c.Name, c.Status, durationText(c.DurationMS), kept)
		if c.Reason != "" {
			line += "  " + c.Reason
		}
		s.WriteString(line)
		s.WriteByte('\n')
	}
	// The host's name and the collectors' reasons come from the system:
	// every line passes the sanitizer, the header as the rest.
	return safeLines(s.String())
}

// readmeText is README.txt.
func (b *run) readmeText() string {
	m := &b.manifest
	var s strings.Builder
	fmt.Fprintf(&s, `gonetstat diagnostic bundle %s

Made by %s %s on %s (%s/%s, kernel %s) from %s to %s,
with: %s

REVIEW BEFORE SHARING. This archive describes this machine's network in
detail: its sockets and the programs holding them, its addresses, routes,
neighbours and counters.
`, m.BundleID, m.Tool.Name, m.Tool.Version, m.Host.Name, m.Host.OS, m.Host.Arch, orUnknown(m.Host.Kernel),
		m.Created.Format(time.RFC3339), m.Finished.Format(time.RFC3339), strings.Join(append([]string{"gonetstat bundle"}, m.Invocation.Args...), " "))
	if len(m.Redaction.Pseudonyms) > 0 {
		fmt.Fprintf(&s, "Replaced by consistent pseudonyms (--redact): %s. Loopback, unspecified,\nlink-local and multicast addresses, and ports, are kept as they are.\n",
			strings.Join(m.Redaction.Pseudonyms, ", "))
	} else {
		s.WriteString("Addresses, host names and MAC addresses are as they are (no --redact).\n")
	}
	s.WriteString(`Secrets (password=, token=, api_key=, URL user:password@, PEM blocks) were
removed from free-form text; a file that could not be scrubbed was left out
and is listed in manifest.json (redaction.failed).

What is inside (docs/bundle.md describes each entry):
  manifest.json       what was collected, how each collector ended, every
                      file's size and sha256
  summary.txt         one line per collector
  gonetstat.log       every collector's errors and notices
  sockets/            the socket table (JSON and -ano text), and samples
  reports/<ns>.*      routes, interfaces, counters, neighbours, rules
  raw/<ns>/proc/net/  the kernel's /proc/net files, for re-parsing
  sysctl/<ns>.txt     selected net.* sysctls
  commands/           ss, nstat, nft output (with --with-commands)
<ns> is "host" for the namespace gonetstat ran in; manifest.json
(invocation.netns) names the others.

Read it back anywhere with gonetstat itself:
  gonetstat bundle inspect BUNDLE
  gonetstat -ano --from BUNDLE
`)
	return safeLines(s.String())
}

// safeLines passes each line of s through safetext.Text, keeping the
// newlines and the tabs (a command's output aligns columns with them):
// a file of the bundle may be read with cat on a terminal.
func safeLines(s string) string {
	if safetext.Safe(strings.NewReplacer("\n", "", "\t", "").Replace(s)) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = safetext.Text(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// logText is gonetstat.log: every line through safetext, scrubbed.
func (b *run) logText() string {
	b.mu.Lock()
	lines := append([]string(nil), b.log...)
	b.mu.Unlock()
	var s strings.Builder
	for _, l := range lines {
		s.WriteString(safetext.Text(b.cleanText(l)))
		s.WriteByte('\n')
	}
	return s.String()
}
