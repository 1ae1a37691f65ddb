// Package namescmd implements `avmsh names`: list the nodes an epmd knows.
package namescmd
