// Package nodescmd implements `avmsh nodes`: what a node is connected to.
package nodescmd
