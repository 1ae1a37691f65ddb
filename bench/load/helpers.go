//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os/exec"
	"regexp"
	"time"
)

// socatPair starts socat with two linked ptys and returns their paths
// and a function that stops it.
func socatPair() (string, string, func(), error) {
	cmd := exec.Command("socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", "", nil, fmt.Errorf("start socat (apt-get install socat): %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	re := regexp.MustCompile(`PTY is (\S+)`)
	paths := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				paths <- m[1]
			}
		}
	}()
	var got []string
	for len(got) < 2 {
		select {
		case p := <-paths:
			got = append(got, p)
		case <-time.After(10 * time.Second):
			stop()
			return "", "", nil, fmt.Errorf("socat gave no ptys within 10 s")
		}
	}
	time.Sleep(100 * time.Millisecond) // socat opens both before transferring
	return got[0], got[1], stop, nil
}

// gzipLen returns b gzip-compressed as the loader sends it.
func gzipLen(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
