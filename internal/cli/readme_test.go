// readme_test.go checks what README.md tells a new user about installing:
// the Go version go.mod asks for, and an install command that works
// before any module version is published.

package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestReadmeInstall(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "Go " + string(m[1]); !strings.Contains(string(readme), want+" ") {
		t.Errorf("README.md does not say %q (go.mod's go line)", want)
	}
	if !strings.Contains(string(readme), "`go install .`") {
		t.Error("README.md does not say how to install from a clone (`go install .`)")
	}
	// No version of the module is published: go install …@latest fails
	// (the proxy answers 403, "not available").
	if strings.Contains(string(readme), "gonetstat@latest") {
		t.Error("README.md offers go install github.com/gonetstat/gonetstat@latest, which fails until a version is published")
	}
}
