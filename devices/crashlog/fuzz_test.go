package crashlog_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
)

// FuzzParser feeds arbitrary console text in arbitrary chunks. It
// checks that nothing panics, that the chunking does not change the
// events, that every dump is bounded, and that there are no more events
// than CRASH lines.
func FuzzParser(f *testing.F) {
	f.Add([]byte("CRASH \n======\npid: <0.1.0>\n\n**End Of Crash Report**\n"), uint8(3))
	f.Add([]byte("CRASH\r\n======\r\nx[0]: exit\r\nx[1]: {#Ref<1.2.3>,return,ok}\r\nCRASH \n======\n"), uint8(1))
	f.Add([]byte("Stacktrace:\n[{m,f,1,[{file,\"m.erl\"},{line,3}]}\nCRASH \nnot a rule\n"), uint8(9))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		o := crashlog.Options{MaxBlock: 512, MaxLine: 64, Now: func() time.Time { return fixed }}
		whole := crashlog.Parse(in, o)
		p := crashlog.NewParser(o)
		step := int(chunk)%32 + 1
		for off := 0; off < len(in); off += step {
			if n, err := p.Write(in[off:min(off+step, len(in))]); err != nil || n != min(step, len(in)-off) {
				t.Fatalf("write: %d %v", n, err)
			}
		}
		p.Flush()
		got := p.Events()
		if !reflect.DeepEqual(got, whole) && !(len(got) == 0 && len(whole) == 0) {
			t.Fatalf("chunked %d:\n%+v\nwhole:\n%+v", step, got, whole)
		}
		crashes := bytes.Count(bytes.ReplaceAll(in, []byte("\r"), nil), []byte("CRASH")) // CRs are dropped
		if len(whole) > crashes {
			t.Fatalf("%d events from %d CRASH lines", len(whole), crashes)
		}
		for _, e := range whole {
			if len(e.Raw) > o.MaxBlock {
				t.Fatalf("dump of %d bytes kept, bound %d", len(e.Raw), o.MaxBlock)
			}
			_ = crashlog.Report(e, crashlog.ReportInfo{})
		}
	})
}
