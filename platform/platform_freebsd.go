// platform_freebsd.go is FreeBSD's side of the OS seam: the socket table
// from sockstat(1) (platform/gops); the rest in platform_bsd.go.

package platform

import (
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/gops"
)

func osSockets(cfg Config) (collect.Collector, error) {
	if err := onlyAuto(cfg); err != nil {
		return nil, err
	}
	return gops.NewCollector(cfg.Warn)
}
