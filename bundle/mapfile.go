// mapfile.go reads and writes the --redact map: the secret the
// pseudonyms are made from and every value → pseudonym pair made with it.
// It is written outside the archive, mode 0600, and read again by the
// next run so that two bundles of one host use the same pseudonyms.

package bundle

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// MapSchema names the map file's format.
const MapSchema = "gonetstat.bundle-map/v1"

// mapFile is the document. Secret is what the pseudonyms are computed
// from; the tables are for the person who must read a redacted bundle
// back to real values (and are merged across runs).
type mapFile struct {
	Schema  string            `json:"schema"`
	Note    string            `json:"note"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
	Secret  string            `json:"secret"` // 64 hex digits
	IP      map[string]string `json:"ip"`
	Host    map[string]string `json:"host"`
	MAC     map[string]string `json:"mac"`
}

const mapNote = "gonetstat bundle --redact pseudonyms: keep this file private; it undoes the redaction of every bundle made with it"

// maxMapBytes bounds a map file read back: a few entries per address of
// a host, far below this.
const maxMapBytes = 64 << 20

// loadMap reads the map at path. A missing file is a new map with a
// fresh secret (reused false); an unreadable or malformed one is an
// error: the bundle must not be made with pseudonyms the next run
// cannot repeat.
func loadMap(path string, now time.Time) (m *mapFile, reused bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var secret [32]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return nil, false, fmt.Errorf("making a secret for the map: %w", err)
		}
		return &mapFile{Schema: MapSchema, Note: mapNote, Created: now.UTC(), Secret: hex.EncodeToString(secret[:]),
			IP: map[string]string{}, Host: map[string]string{}, MAC: map[string]string{}}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the map file: %w", err)
	}
	if len(data) > maxMapBytes {
		return nil, false, fmt.Errorf("the map file %s is larger than %d bytes", safetext.Text(path), maxMapBytes)
	}
	m = &mapFile{}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, false, fmt.Errorf("the map file %s: %w", safetext.Text(path), err)
	}
	if m.Schema != MapSchema {
		return nil, false, fmt.Errorf("the map file %s is not a %s document (schema %q)", safetext.Text(path), MapSchema, safetext.Text(m.Schema))
	}
	if b, err := hex.DecodeString(m.Secret); err != nil || len(b) != 32 {
		return nil, false, fmt.Errorf("the map file %s: its secret is not 64 hex digits", safetext.Text(path))
	}
	for _, t := range []*map[string]string{&m.IP, &m.Host, &m.MAC} {
		if *t == nil {
			*t = map[string]string{}
		}
	}
	return m, true, nil
}

func (m *mapFile) secret() [32]byte {
	var s [32]byte
	hex.Decode(s[:], []byte(m.Secret))
	return s
}

// merge adds the pairs p made to the map's tables.
func (m *mapFile) merge(p *pseudonymizer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, b := range p.ips {
		m.IP[a.String()] = b.String()
	}
	maps.Copy(m.Host, p.hosts)
	for a, b := range p.macs {
		m.MAC[a] = b.String()
	}
}

// save writes the map to path, mode 0600, through a file renamed into
// place so that a crash never leaves half a map.
func (m *mapFile) save(path string, now time.Time) error {
	m.Updated = now.UTC()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gonetstat-map-*")
	if err != nil {
		return fmt.Errorf("writing the map file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the map file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the map file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the map file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing the map file: %w", err)
	}
	return nil
}
