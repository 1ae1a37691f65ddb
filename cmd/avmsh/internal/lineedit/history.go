package lineedit

// History is where the editor keeps commands (Up/Down, Ctrl-R): the
// shell's shared history (node/shellsession.History), file-backed or,
// when Config.History is nil, in memory only.
type History interface {
	// Entries returns the commands, oldest first.
	Entries() []string
	// Add appends a command (the history may refuse repeats, empty
	// and oversized ones).
	Add(entry string) error
}
