// replay.go reads a bundle's tables back into the model for gonetstat
// --from: the socket table and its samples (gonetstat.sockets/v1), each
// namespace's reports (gonetstat.reports/v1), and what the manifest says
// of the collector that wrote each.

package bundle

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
)

// Namespace returns the namespace of the bundle that spec names: "" is
// the one gonetstat ran in, or the bundle's only one (bundle --netns NS
// collects NS alone); else spec is a namespace's entry name
// (reports/<file>.json), its /run/netns name or its inode, as
// invocation.netns records them.
func (a *Archive) Namespace(spec string) (NetNS, error) {
	nss := a.Manifest.Invocation.NetNS
	for _, ns := range nss {
		if spec == "" && ns.Own || spec != "" && (spec == ns.File || spec == ns.Name || spec == strconv.FormatUint(ns.Inode, 10) && ns.Inode != 0) {
			return ns, nil
		}
	}
	if spec == "" && len(nss) == 1 {
		return nss[0], nil
	}
	var names []string
	for _, ns := range nss {
		names = append(names, ns.File)
	}
	if spec == "" {
		return NetNS{}, fmt.Errorf("%s holds namespaces %v, none of them the one gonetstat ran in: name one with --netns", a.Name, names)
	}
	return NetNS{}, fmt.Errorf("%s holds no namespace %q (it holds %v)", a.Name, safetext.Text(spec), names)
}

// Writer returns the collector whose files include path, and the file's
// record; false when no collector lists it.
func (a *Archive) Writer(path string) (Collector, File, bool) {
	for _, c := range a.Manifest.Collectors {
		for _, f := range c.Files {
			if f.Path == path {
				return c, f, true
			}
		}
	}
	return Collector{}, File{}, false
}

// Whole reports whether the collector that wrote path read everything
// (status ok); when not, why, in a line for a warning: "collector
// \"sockets\" ended timeout: deadline of 10s".
func (a *Archive) Whole(path string) (bool, string) {
	c, _, ok := a.Writer(path)
	if !ok || c.Status == StatusOK {
		return true, ""
	}
	msg := fmt.Sprintf("the bundle's collector %q ended %s", c.Name, c.Status)
	if c.Reason != "" {
		msg += ": " + c.Reason
	}
	return false, msg
}

// Load reads the named entries in one pass (ReadEntries). An entry the
// archive does not hold is an error saying why: the manifest lists it as
// left out (and why), its collector failed, or nothing wrote it.
func (a *Archive) Load(paths ...string) (map[string][]byte, error) {
	for _, p := range paths {
		if _, ok := a.listed[p]; !ok {
			return nil, a.absent(p)
		}
	}
	return a.ReadEntries(paths...)
}

// absent explains why path is not in the archive.
func (a *Archive) absent(path string) error {
	if c, f, ok := a.Writer(path); ok {
		return fmt.Errorf("%s: %s was left out of the bundle by collector %q: %s", a.Name, path, c.Name, f.Omitted)
	}
	for _, c := range a.Manifest.Collectors {
		if c.Status != StatusOK && c.Reason != "" && writes(c.Name, path) {
			return fmt.Errorf("%s holds no %s: collector %q ended %s: %s", a.Name, path, c.Name, c.Status, c.Reason)
		}
	}
	return fmt.Errorf("%s holds no %s", a.Name, path)
}

// writes reports whether the collector named name writes path, by the
// layout's naming (docs/bundle.md): "sockets" the socket table,
// "samples" the samples, "reports/<ns>" reports/<ns>.json.
func writes(name, path string) bool {
	switch path {
	case SocketsJSONPath, SocketsTextPath:
		return name == "sockets"
	case SamplesPath:
		return name == "samples"
	}
	ns, ok := strings.CutPrefix(name, "reports/")
	return ok && ReportsJSONPath(ns) == path
}

// DecodeSockets decodes sockets/sockets.json as Load read it.
func DecodeSockets(data []byte) (codec.Envelope, error) {
	env, err := codec.DecodeSockets(data)
	if err != nil {
		return env, fmt.Errorf("%s: %w", SocketsJSONPath, err)
	}
	return env, nil
}

// DecodeSamples decodes sockets/samples.ndjson: one snapshot a line, in
// the order taken. A line that does not decode is an error naming it: a
// sample is not silently skipped.
func DecodeSamples(data []byte) ([]codec.Envelope, error) {
	var out []codec.Envelope
	for i, line := 1, data; len(line) > 0; i++ {
		var one []byte
		one, line, _ = bytes.Cut(line, []byte{'\n'})
		if len(bytes.TrimSpace(one)) == 0 {
			continue
		}
		env, err := codec.DecodeSockets(one)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", SamplesPath, i, err)
		}
		out = append(out, env)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no snapshot", SamplesPath)
	}
	return out, nil
}

// DecodeReports decodes one namespace's reports/<ns>.json.
func DecodeReports(path string, data []byte) (codec.Reports, error) {
	r, err := codec.DecodeReports(data)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// InNamespace returns the rows of socks in namespace ns: those whose
// net_namespace is its inode, and, for the namespace gonetstat ran in,
// those without one (a system without namespaces labels none).
func InNamespace(socks []collect.Socket, ns NetNS) []collect.Socket {
	var out []collect.Socket
	for i := range socks {
		inode := socks[i].NetNSInode()
		if ns.Inode != 0 && inode == ns.Inode || ns.Own && inode == 0 {
			out = append(out, socks[i])
		}
	}
	return out
}
