// Package pathprompt is the dashboard's one-line input for file paths
// (package lineinput) with Tab completion from the file system, the
// way a shell completes: a single match is completed (a directory with
// its "/"), several are completed to their common prefix and listed
// under the input. A leading "~/" means the home directory.
package pathprompt
