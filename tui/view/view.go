package view

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// View is one tab of the dashboard. The app owns a list of them (tab
// order) and talks to every one the same way; a view is added by
// implementing View (and, where it needs them, the optional interfaces
// below) and putting it in app.Options.Views.
//
// Methods are called from bubbletea's update loop only, so a view needs
// no locks; the tea.Cmds it returns run on other goroutines and must not
// touch the view (capture what they need before returning).
type View interface {
	// Title is the tab's label ("Devices"). Its lower-case form is also
	// a palette command that shows the view (":devices").
	Title() string
	// Init returns the commands the view needs from the start (event
	// listeners); it is called once, when the program starts.
	Init() tea.Cmd
	// Update handles a message. Keys (tea.KeyMsg) arrive only while the
	// view is on screen and after the app's global keys (see Capturer);
	// every other message is given to every view, which ignores what is
	// not its own.
	Update(msg tea.Msg) tea.Cmd
	// View renders the view's body in the size of the last SetSize.
	View() string
	// SetSize gives the body's size (the app's tab and status lines
	// excluded).
	SetSize(width, height int)
	// Bindings are the view's keys: '?' lists them, the status line
	// shows the first ones.
	Bindings() []key.Binding
	// SetFilter keeps only what contains f ("" shows everything). The
	// app calls it for '/' whatever the view, and shows the filter.
	SetFilter(f string)
	// Status is a short note about the view for the status line ("" for
	// none).
	Status() string
}

// Poller is a view that refreshes its data. The app calls Poll once per
// refresh interval while the view is on screen, never while the
// previous poll's message has not arrived yet, and gives that message
// to this view only.
type Poller interface {
	// Poll returns the command that fetches the data (nil: nothing to
	// fetch now).
	Poll() tea.Cmd
}

// Capturer is a view that sometimes takes keys before the app's global
// keys: a view being typed into (the shell) takes every key that types
// text, a dialog (a y/n question) every key.
type Capturer interface {
	Captures(msg tea.KeyMsg) bool
}

// Focuser is told when it comes on screen and when it leaves.
type Focuser interface {
	Focus() tea.Cmd
	Blur()
}

// Commander is a view that adds commands to the ':' palette. Commands
// work from any view.
type Commander interface {
	Commands() []Command
}

// Command is a ':' palette command.
type Command struct {
	// Name is what the user types (":connect"); Aliases are shorter
	// spellings.
	Name    string
	Aliases []string
	// Args names the arguments for help ("NODE").
	Args string
	// Help says what it does.
	Help string
	// Run runs it with the rest of the line (trimmed). Report usage
	// errors and results with Status.
	Run func(args string) tea.Cmd
}

// StatusMsg is a line for the app's status bar.
type StatusMsg string

// Status returns a command that shows s in the status bar.
func Status(s string) tea.Cmd { return func() tea.Msg { return StatusMsg(s) } }

// NodeMsg says the user picked a node: the app gives it to every view
// (the node view shows it, the shell targets it) and then shows the view
// titled Show, if any.
type NodeMsg struct {
	Node term.Atom
	Show string
}

// ShowMsg asks the app to show the view titled Title.
type ShowMsg struct{ Title string }

// Show returns a command that shows the view titled title.
func Show(title string) tea.Cmd { return func() tea.Msg { return ShowMsg{Title: title} } }

// RefreshMsg asks the app to poll the view on screen now.
type RefreshMsg struct{}

// Refresh returns a command that asks for a poll now.
func Refresh() tea.Cmd { return func() tea.Msg { return RefreshMsg{} } }

// ParseTerm reads a term typed in a command; a pid written <0.X.Y> is
// one of local's processes.
func ParseTerm(s string, local term.Atom) (term.Term, error) {
	return syntax.Parse(s, syntax.ParseOptions{Node: syntax.NodeContext{Local: local}})
}
