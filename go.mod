module github.com/avmsh/avmsh

go 1.26.0

require (
	github.com/mattn/go-isatty v0.0.20
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/MakeNowJust/heredoc v1.0.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	go.bug.st/serial v1.8.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/term v0.47.0 // indirect
)
