//go:build unix

package root

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// bashCompletion is where Debian's bash-completion package keeps its
// entry point.
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// TestBashCompletionInTmux types into a real interactive bash with
// bash-completion loaded and `avmsh completion bash` sourced, as a user
// sets it up, and presses Tab: the node name comes from epmd, the module
// and the function from the node, flag values and plugin names from
// avmsh; the completed command line then runs.
func TestBashCompletionInTmux(t *testing.T) {
	bash := erltest.RequireProgram(t, "bash")
	if _, err := os.Stat(bashCompletion); err != nil {
		if erltest.InCI() {
			t.Fatalf("bash-completion is not installed (%v): apt-get install bash-completion", err)
		}
		t.Skipf("bash-completion is not installed: %v", err)
	}
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	dir := t.TempDir()
	pluginDir := filepath.Join(dir, "bin")
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pluginDir, "avmsh-hellotab"), []byte("#!/bin/sh\necho plugin says hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "bashrc")
	script := strings.Join([]string{
		"PS1='$ '",
		"source " + bashCompletion,
		"export PATH=" + filepath.Dir(bin) + ":" + pluginDir + ":$PATH",
		"source <(avmsh completion bash)",
		"echo completion-ready",
	}, "\n") + "\n"
	if err := os.WriteFile(rc, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE=" + e.Cookie, "TERM=xterm",
		"HOME=" + dir, "INPUTRC=/dev/null"}
	s := startTmux(t, 200, 30, env, bash, "--noprofile", "--rcfile", rc, "-i")
	s.waitFor("bash with completion", 20*time.Second, contains("completion-ready"))

	// (tmux's capture drops trailing spaces: the word typed after a
	// completion shows that the completion ended with one.)
	// The node name from epmd: the prefix of its alive name, Tab.
	alive := e.Alive()
	s.keys("avmsh rpc "+alive[:4], "Tab")
	s.waitFor("the node's name", 20*time.Second, contains("$ avmsh rpc "+alive))
	// '@': this machine's host names; 127.0.0.1 is the node's.
	s.keys("BSpace", "@127", "Tab") // BSpace: the space after the name
	s.waitFor("the full node name", 20*time.Second, contains("$ avmsh rpc "+e.Name))
	// The module and the function, asked of the node itself.
	s.keys("lis", "Tab")
	s.waitFor("the module", 20*time.Second, contains("$ avmsh rpc "+e.Name+" lists"))
	// Two functions start with "se": a second Tab lists them.
	s.keys("se", "Tab", "Tab")
	s.waitFor("the functions", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "search") && strings.Contains(sc, "seq")
	})
	s.keys("q", "Tab")
	s.waitFor("the function", 20*time.Second, contains("$ avmsh rpc "+e.Name+" lists seq"))
	// --output's values.
	s.keys("1 3 --output j", "Tab")
	s.waitFor("the flag's value", 20*time.Second, contains("$ avmsh rpc "+e.Name+" lists seq 1 3 --output json"))
	s.keys("Enter")
	s.waitFor("the call's answer", 20*time.Second, contains("[1,2,3]"))

	// A plugin's name.
	s.keys("clear", "Enter")
	s.keys("avmsh hellot", "Tab")
	s.waitFor("the plugin's name", 20*time.Second, contains("$ avmsh hellotab"))
	s.keys("Enter")
	s.waitFor("the plugin's output", 20*time.Second, contains("plugin says hi"))
	s.keys("exit", "Enter")
}
