// services.go reads the services database (services(5)): port/proto to name.

package names

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"github.com/gonetstat/gonetstat/collect"
)

type serviceKey struct {
	proto collect.Proto
	port  uint16
}

type services map[serviceKey]string

func (s services) name(p collect.Proto, port uint16) string { return s[serviceKey{p, port}] }

func loadServices(path string) services {
	data, err := os.ReadFile(path)
	if err != nil {
		return services{}
	}
	return parseServices(data)
}

// parseServices reads lines "name port/proto [aliases] [# comment]"; the
// first name given for a port wins, as getservbyport answers. Malformed
// lines are ignored, as libc does.
func parseServices(data []byte) services {
	s := services{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		portStr, protoStr, ok := strings.Cut(f[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			continue
		}
		var p collect.Proto
		switch protoStr {
		case "tcp":
			p = collect.ProtoTCP
		case "udp":
			p = collect.ProtoUDP
		default:
			continue
		}
		k := serviceKey{p, uint16(port)}
		if _, dup := s[k]; !dup {
			s[k] = f[0]
		}
	}
	return s
}
