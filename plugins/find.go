package plugins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Prefix starts the file name of every plugin: avmsh-NAME.
const Prefix = "avmsh-"

// Plugin is an executable found for a plugin name.
type Plugin struct {
	// Name is what users type: `avmsh NAME`.
	Name string
	// Path is the file's absolute path.
	Path string
	// Executable is false for a file that has the name but cannot be run
	// (no execute permission): it is listed, and running it is an error
	// that says so.
	Executable bool
	// ShadowedBy names what runs instead of this file for `avmsh NAME`:
	// "built-in command NAME", or the path of the plugin that wins.
	// Empty for the plugin that runs.
	ShadowedBy string
}

// ErrNotFound: no plugin of that name.
var ErrNotFound = errors.New("no such plugin")

// NotExecutableError: the plugin's file cannot be run.
type NotExecutableError struct{ Plugin Plugin }

func (e *NotExecutableError) Error() string {
	return fmt.Sprintf("plugin %s: %s is not executable\nhint: make it executable with 'chmod +x %s'", e.Plugin.Name, e.Plugin.Path, e.Plugin.Path)
}

// ValidName reports whether name can name a plugin: lower-case letters,
// digits, '-' and '_', starting with a letter or digit (at most 64).
func ValidName(name string) bool {
	if name == "" || len(name) > 64 || name[0] == '-' || name[0] == '_' {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Finder looks for plugins in the plugin directory and on PATH.
type Finder struct {
	// Getenv reads PATH, XDG_DATA_HOME and HOME (os.Getenv when nil).
	Getenv func(string) string
	// Builtin reports whether name is a built-in command, which shadows
	// any plugin of that name (none when nil).
	Builtin func(name string) bool
}

func (f Finder) getenv(k string) string {
	if f.Getenv == nil {
		return os.Getenv(k)
	}
	return f.Getenv(k)
}

// Dir is avmsh's own plugin directory: $XDG_DATA_HOME/avmsh/plugins, or
// ~/.local/share/avmsh/plugins ("" when neither is known).
func (f Finder) Dir() string {
	if d := f.getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "avmsh", "plugins")
	}
	if runtime.GOOS == "windows" {
		if d := f.getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "avmsh", "plugins")
		}
	}
	if h := f.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "avmsh", "plugins")
	}
	return ""
}

// Dirs are the directories searched, in order: the plugin directory,
// then PATH's entries (empty and relative entries are skipped, as they
// would make what runs depend on the current directory).
func (f Finder) Dirs() []string {
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" || !filepath.IsAbs(d) || seen[filepath.Clean(d)] {
			return
		}
		seen[filepath.Clean(d)] = true
		dirs = append(dirs, filepath.Clean(d))
	}
	add(f.Dir())
	for _, d := range filepath.SplitList(f.getenv("PATH")) {
		add(d)
	}
	return dirs
}

// List returns every plugin file found, sorted by name and, for one
// name, in the order they are searched: the first executable one of a
// name not shadowed by a built-in is the one that runs.
func (f Finder) List() []Plugin {
	var all []Plugin
	winner := map[string]string{}
	for _, dir := range f.Dirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a PATH entry that does not exist is common
		}
		for _, e := range entries {
			name, ok := pluginName(e.Name())
			if !ok {
				continue
			}
			p, ok := inspect(filepath.Join(dir, e.Name()), name)
			if !ok {
				continue
			}
			switch {
			case f.Builtin != nil && f.Builtin(name):
				p.ShadowedBy = "built-in command " + name
			case winner[name] != "":
				p.ShadowedBy = winner[name]
			case p.Executable:
				winner[name] = p.Path
			}
			all = append(all, p)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// Find returns the plugin that `avmsh NAME` runs. It returns ErrNotFound
// (wrapped) when there is none, and a *NotExecutableError when the only
// files of that name cannot be run. A built-in command of that name
// shadows every plugin: Find then returns ErrNotFound.
func (f Finder) Find(name string) (Plugin, error) {
	if !ValidName(name) || f.Builtin != nil && f.Builtin(name) {
		return Plugin{}, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	var blocked *Plugin
	for _, dir := range f.Dirs() {
		for _, file := range fileNames(name) {
			p, ok := inspect(filepath.Join(dir, file), name)
			switch {
			case !ok:
			case p.Executable:
				return p, nil
			case blocked == nil:
				blocked = &p
			}
		}
	}
	if blocked != nil {
		return Plugin{}, &NotExecutableError{Plugin: *blocked}
	}
	return Plugin{}, fmt.Errorf("%w: %s", ErrNotFound, name)
}

// fileNames are the file names of plugin name on this system.
func fileNames(name string) []string {
	if runtime.GOOS == "windows" {
		return []string{Prefix + name + ".exe", Prefix + name + ".cmd", Prefix + name + ".bat"}
	}
	return []string{Prefix + name}
}

// pluginName returns the plugin name of a file name.
func pluginName(file string) (string, bool) {
	if !strings.HasPrefix(file, Prefix) {
		return "", false
	}
	name := strings.TrimPrefix(file, Prefix)
	if runtime.GOOS == "windows" {
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".exe" && ext != ".cmd" && ext != ".bat" {
			return "", false
		}
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	return name, ValidName(name)
}

// inspect stats a candidate file (following symbolic links): a regular
// file is a plugin, executable or not.
func inspect(path, name string) (Plugin, bool) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return Plugin{}, false
	}
	return Plugin{Name: name, Path: path, Executable: isExecutable(path, st.Mode())}, true
}
