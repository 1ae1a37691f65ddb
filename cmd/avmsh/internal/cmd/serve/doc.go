// Package servecmd implements `avmsh serve`: run the embedded node
// headless until interrupted.
package servecmd
