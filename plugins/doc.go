// Package plugins finds and runs avmsh's exec plugins, with the
// conventions of gh extensions and kubectl plugins: an executable named
// avmsh-NAME in avmsh's plugin directory ($XDG_DATA_HOME/avmsh/plugins,
// ~/.local/share/avmsh/plugins by default) or on PATH runs as
// `avmsh NAME ARGS...`. Built-in commands always win over plugins; the
// plugin directory wins over PATH, and earlier PATH entries over later
// ones, as a shell would pick them.
//
// A plugin gets its arguments, standard streams and exit code unchanged,
// and the context avmsh resolved (its node name, the target, where the
// cookie comes from, the epmd port, the output format) in environment
// variables (Context.Environ); never the cookie on its command line.
// docs/plugins.md documents the contract.
//
// The package knows no cobra command: cmd/avmsh's root dispatches to it
// and `avmsh plugin list|new` presents it.
package plugins
