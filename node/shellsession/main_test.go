package shellsession_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a session starts ends with it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
