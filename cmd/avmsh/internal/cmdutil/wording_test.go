package cmdutil

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist"
)

// cliWording matches the command line's own words: a flag (--cookie,
// --sname) or an avmsh command ("avmsh devices", 'avmsh epmd -names').
var cliWording = regexp.MustCompile(`(^|[\s('"])--[a-z][a-z-]+|\bavmsh (devices|names|epmd|flash|load|pack|monitor|rpc|eval|shell|serve|ping|send|nodes|top|tui)\b`)

// The libraries (node/, epmd/, devices/) report what happened in
// neutral words that the dashboard and embedders can show as they are;
// the flags and commands that help are the command line's, added here
// (Hint, Explain, ExplainTarget, ExplainFlash). No string in their code
// may name a flag or an avmsh command.
func TestLibrariesUseNoCLIWording(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..")
	for _, dir := range []string{"node", "epmd", "devices"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && cliWording.MatchString(s) {
					t.Errorf("%s: %q names the command line's flags or commands: say it neutrally, and add the CLI's words in cmdutil", fset.Position(lit.Pos()), s)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// What the libraries say neutrally, the command line says with its own
// flags and commands, as helpfully as before they were moved here.
func TestHintsForLibraryErrors(t *testing.T) {
	_, errShort := node.MakeNodeName("me@host.example.com", node.ShortNames, nil)
	_, errLong := node.MakeNodeName("me@box", node.LongNames, nil)
	_, errPort := serialdist.Open(serialdist.Address{Device: "/dev/ttyNOPE42"}, serialdist.PortConfig{})
	for _, c := range []struct {
		err  error
		want string
	}{
		{errShort, "use --name for long names"},
		{errLong, "use --sname for short names"},
		{errPort, "'avmsh devices' lists the serial ports"},
		{fmt.Errorf("lookup: %w", &epmd.NotRegisteredError{Addr: "10.0.0.2:4369", Name: "app"}), "'avmsh names 10.0.0.2'"},
		{&epmd.OpError{Op: "register", Addr: "127.0.0.1:4369", Err: syscall.ECONNREFUSED}, "start one with 'avmsh epmd'"},
		{&epmd.RegisterError{Addr: "127.0.0.1:4369", Name: "app", Result: 1}, "'avmsh epmd -names'"},
		{&epmd.PortInUseError{Addr: "0.0.0.0:4400", Port: 4400, Err: syscall.EADDRINUSE}, "'avmsh epmd -names -port 4400'"},
		{&rp2.NotTakenError{File: "app.uf2", Drive: "/media/RP2350", Chip: "rp2350"}, "--chip rp2350"},
		{fmt.Errorf("read: %w", espflash.ErrNeedsStub), "without --no-stub"},
	} {
		if c.err == nil {
			t.Fatalf("no error for %q", c.want)
		}
		got := WithHint(c.err).Error()
		if !strings.Contains(got, "\nhint: ") || !strings.Contains(got, c.want) {
			t.Errorf("%v: %q, want a hint with %q", c.err, got, c.want)
		}
	}
	// An error with a hint keeps its own; one without gets none.
	if e := errors.New("x\nhint: y"); WithHint(e) != e {
		t.Error("second hint")
	}
	if e := errors.New("plain"); WithHint(e) != e {
		t.Error("hint for a plain error")
	}
	// The flasher's neutral hints get the flags of `avmsh flash`.
	for advice, want := range map[espflash.Advice]string{
		espflash.AdviceManualBoot:    "--before no-reset",
		espflash.AdviceNoStub:        "--no-stub",
		espflash.AdviceLowerBaud:     "--baud",
		espflash.AdviceRetry:         "--baud",
		espflash.AdviceInstallAtomVM: "avmsh flash --firmware",
		espflash.AdvicePartition:     "--partition",
		espflash.AdviceWholeApp:      "avmsh pack -o app.avm",
	} {
		err := fmt.Errorf("flash: %w", &espflash.Error{Port: "/dev/ttyUSB0", Step: "sync", Err: espflash.ErrNoSync, Hint: "neutral", Advice: advice})
		if got := ExplainFlash(err).Error(); !strings.Contains(got, "hint: ") || !strings.Contains(got, want) || strings.Contains(got, "neutral") {
			t.Errorf("%s: %q, want %q", advice, got, want)
		}
	}
}
