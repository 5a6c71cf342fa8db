// main_test.go fails the package's tests if they leave a file descriptor
// open (internal/testenv.MainWithFDCheck).

package core

import (
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

func TestMain(m *testing.M) { testenv.MainWithFDCheck(m) }
