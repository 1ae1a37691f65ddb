// Package plugincmd implements `avmsh plugin`: list the exec plugins
// found and write the skeleton of a new one (package plugins does the
// work).
package plugincmd
