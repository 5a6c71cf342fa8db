// services.go reads the services database (services(5)): port/proto to name.

package names

import (
	"bytes"
	"os"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
)

type serviceKey struct {
	proto collect.Proto
	port  uint16
}

type services map[serviceKey]string

func (s services) name(p collect.Proto, port uint16) string { return s[serviceKey{p, port}] }

// loadServices reads the database at path. A missing or unreadable file
// means numeric ports, as getservbyport answers nothing then; that is not
// an error worth a line on stderr.
func loadServices(path string) services {
	data, err := os.ReadFile(path)
	if err != nil {
		return services{}
	}
	return parseServices(data)
}

// parseServices reads lines "name port/proto [aliases] [# comment]"; the
// first name given for a port wins, as getservbyport answers. Malformed
// lines and protocols other than tcp and udp are skipped, as libc does.
// Lines have no length limit: a bufio.Scanner would stop at its buffer
// size and silently drop the rest of the file.
func parseServices(data []byte) services {
	s := services{}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		name, rest := nextField(line)
		spec, _ := nextField(rest)
		if len(name) == 0 || len(spec) == 0 {
			continue
		}
		portStr, protoStr, ok := bytes.Cut(spec, []byte{'/'})
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(string(portStr), 10, 16)
		if err != nil {
			continue
		}
		var p collect.Proto
		switch string(protoStr) {
		case "tcp":
			p = collect.ProtoTCP
		case "udp":
			p = collect.ProtoUDP
		default:
			continue
		}
		k := serviceKey{p, uint16(port)}
		if _, dup := s[k]; !dup {
			s[k] = string(name)
		}
	}
	return s
}

// nextField splits off the first field of a line separated by blanks (space,
// tab, carriage return: services files written on Windows end lines in
// CRLF).
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isBlank(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }
