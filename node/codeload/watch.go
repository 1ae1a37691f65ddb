package codeload

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/avmsh/avmsh/vm/term"
)

// WatchOptions configure Watch.
type WatchOptions struct {
	// Dir is watched with its subdirectories (dot directories excluded;
	// new subdirectories are added as they appear).
	Dir string
	// Build recompiles a changed .erl: `rebar3 compile` in a rebar3
	// project (rebar.config in Dir), else erlc into the ebin/ beside the
	// file's src/ directory (or beside the file), then loads the result.
	Build bool
	// Debounce is how long a file must stay quiet before it is pushed
	// (0: 100 ms): compilers and editors write in several steps.
	Debounce time.Duration
	// Targets are the nodes each change is loaded into.
	Targets []term.Atom
}

// Push is one change pushed to the targets (or the error that stopped
// it: a file that does not compile or is not a valid BEAM).
type Push struct {
	Time    time.Time
	Path    string // the file that changed
	Built   bool   // Path is a source that was recompiled
	Results []Result
	Err     error
}

// Watch watches o.Dir until ctx ends and pushes every changed .beam
// (and, with o.Build, recompiled .erl) to the targets, calling emit once
// per push. A file whose contents did not change since its last push is
// not pushed again. It returns nil when ctx ends.
func (l *Loader) Watch(ctx context.Context, o WatchOptions, emit func(Push)) error {
	if o.Debounce <= 0 {
		o.Debounce = 100 * time.Millisecond
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", o.Dir, err)
	}
	defer w.Close()
	if err := addTree(w, o.Dir); err != nil {
		return err
	}
	var mu sync.Mutex
	timers := map[string]*time.Timer{}
	ready := make(chan string, 64)
	defer func() {
		mu.Lock()
		for _, t := range timers {
			t.Stop()
		}
		mu.Unlock()
	}()
	pushed := map[string][32]byte{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			emit(Push{Time: time.Now(), Path: o.Dir, Err: fmt.Errorf("watching %s: %w", o.Dir, err)})
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) && isDirPath(ev.Name) && !skipDir(ev.Name) {
				_ = addTree(w, ev.Name)
				continue
			}
			if !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Rename) {
				continue
			}
			if !strings.HasSuffix(ev.Name, ".beam") && !(o.Build && strings.HasSuffix(ev.Name, ".erl")) {
				continue
			}
			path := ev.Name
			mu.Lock()
			if t, ok := timers[path]; ok {
				t.Reset(o.Debounce)
			} else {
				timers[path] = time.AfterFunc(o.Debounce, func() {
					select {
					case ready <- path:
					case <-ctx.Done():
					}
				})
			}
			mu.Unlock()
		case path := <-ready:
			mu.Lock()
			delete(timers, path)
			mu.Unlock()
			l.push(ctx, o, path, pushed, emit)
		}
	}
}

func (l *Loader) push(ctx context.Context, o WatchOptions, path string, pushed map[string][32]byte, emit func(Push)) {
	beams := []string{path}
	built := false
	if strings.HasSuffix(path, ".erl") {
		var err error
		if beams, err = build(ctx, o.Dir, path); err != nil {
			emit(Push{Time: time.Now(), Path: path, Built: true, Err: err})
			return
		}
		built = true
	}
	for _, b := range beams {
		data, err := os.ReadFile(b)
		if err != nil {
			continue // removed meanwhile
		}
		sum := sha256.Sum256(data)
		if pushed[b] == sum {
			continue
		}
		mods, err := Prepare([]string{b})
		if err != nil {
			emit(Push{Time: time.Now(), Path: b, Built: built, Err: err})
			continue
		}
		pushed[b] = sum
		res := l.LoadAll(ctx, o.Targets, mods)
		emit(Push{Time: time.Now(), Path: b, Built: built, Results: res})
	}
}

// build recompiles src and returns the .beam files to push.
func build(ctx context.Context, dir, src string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "rebar.config")); err == nil {
		if _, err := exec.LookPath("rebar3"); err == nil {
			cmd := exec.CommandContext(ctx, "rebar3", "compile")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("rebar3 compile: %v\n%s", err, strings.TrimSpace(string(out)))
			}
			mod := strings.TrimSuffix(filepath.Base(src), ".erl") + ".beam"
			found, _ := filepath.Glob(filepath.Join(dir, "_build", "default", "lib", "*", "ebin", mod))
			return found, nil
		}
	}
	erlc, err := exec.LookPath("erlc")
	if err != nil {
		return nil, fmt.Errorf("cannot build %s: neither rebar3 (with rebar.config) nor erlc is on PATH", filepath.Base(src))
	}
	out := filepath.Dir(src)
	if filepath.Base(out) == "src" {
		out = filepath.Join(filepath.Dir(out), "ebin")
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, err
		}
	}
	args := []string{"-o", out}
	if inc := filepath.Join(filepath.Dir(filepath.Dir(src)), "include"); isDirPath(inc) {
		args = append(args, "-I", inc)
	}
	cmd := exec.CommandContext(ctx, erlc, append(args, src)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("erlc %s: %v\n%s", src, err, strings.TrimSpace(string(b)))
	}
	return []string{filepath.Join(out, strings.TrimSuffix(filepath.Base(src), ".erl")+".beam")}, nil
}

func isDirPath(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func skipDir(p string) bool {
	b := filepath.Base(p)
	return strings.HasPrefix(b, ".") && b != "." && b != ".."
}

// addTree watches dir and its subdirectories.
func addTree(w *fsnotify.Watcher, dir string) error {
	if !isDirPath(dir) {
		return fmt.Errorf("watch %s: not a directory", dir)
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != dir && skipDir(p) {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}
