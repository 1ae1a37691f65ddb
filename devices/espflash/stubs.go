package espflash

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	_ "unsafe" // go:linkname

	_ "tinygo.org/x/espflasher/pkg/espflasher" // the stub images below
)

// espflasherStubs is the embedded stubs/ directory of
// tinygo.org/x/espflasher (pinned in go.mod): Espressif's flasher stubs
// (esp-flasher-stub, Apache-2.0 OR MIT) as JSON, one per chip. The
// package keeps them unexported and uploads them only through its own
// transport, so this package refers to the variable by its linker name
// instead of copying the images into the repository. TestStubImages
// checks every chip's image; a newer espflasher that renames the
// variable fails to link, which the same test catches first.
//
//go:linkname espflasherStubs tinygo.org/x/espflasher/pkg/espflasher.stubFS
var espflasherStubs embed.FS

// stubImage is a flasher stub ready to upload with MEM_BEGIN/MEM_DATA.
type stubImage struct {
	Entry     uint32
	Text      []byte
	TextStart uint32
	Data      []byte
	DataStart uint32
}

// loadStub decodes the stub of a chip.
func loadStub(c Chip) (*stubImage, error) {
	if c.stub == "" {
		return nil, fmt.Errorf("no flasher stub for %s", c.Name)
	}
	raw, err := espflasherStubs.ReadFile("stubs/" + c.stub + ".json")
	if err != nil {
		return nil, fmt.Errorf("flasher stub for %s: %w", c.Name, err)
	}
	var j struct {
		Entry     uint32 `json:"entry"`
		Text      string `json:"text"`
		TextStart uint32 `json:"text_start"`
		Data      string `json:"data"`
		DataStart uint32 `json:"data_start"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("flasher stub for %s: %w", c.Name, err)
	}
	s := &stubImage{Entry: j.Entry, TextStart: j.TextStart, DataStart: j.DataStart}
	if s.Text, err = base64.StdEncoding.DecodeString(j.Text); err != nil {
		return nil, fmt.Errorf("flasher stub for %s: text: %w", c.Name, err)
	}
	if s.Data, err = base64.StdEncoding.DecodeString(j.Data); err != nil {
		return nil, fmt.Errorf("flasher stub for %s: data: %w", c.Name, err)
	}
	if len(s.Text) == 0 || s.Entry == 0 {
		return nil, fmt.Errorf("flasher stub for %s is empty", c.Name)
	}
	return s, nil
}
