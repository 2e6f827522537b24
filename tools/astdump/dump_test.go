package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDumpOfSmallFile(t *testing.T) {
	src := "package p\n\n// c\nvar x = a + 1\n"
	want := `File 0 30 package=0
 Name Ident 8 9 "p"
 Decls [1]
  - GenDecl 16 29 tok=var lparen=nil rparen=nil
   Specs [1]
    - ValueSpec 20 29
     Names [1]
      - Ident 20 21 "x"
     Type nil
     Values [1]
      - BinaryExpr 24 29 op=+ oppos=26
       X Ident 24 25 "a"
       Y BasicLit 28 29 INT "1"
 Imports [0]
 Comments [1]
  - CommentGroup 11 15 [1]
   - Comment 11 15 "// c"
`
	if got := string(dumpSource("x.go", []byte(src))); got != want {
		t.Errorf("dump:\n%s\nwant:\n%s", got, want)
	}
}

// go/ast's Comment.End() is Slash+len(Text), short by the carriage returns
// the scanner stripped; the dump must use the true source extent.
func TestCommentSpansAreTrueSourceRanges(t *testing.T) {
	src := "package p /* a\r\nb */ // c\r\n// d\re\n"
	got := string(dumpSource("x.go", []byte(src)))
	for _, want := range []string{
		`- Comment 10 20 "/* a\x0d\x0ab */"`,
		`- Comment 21 25 "// c"`,
		`- Comment 27 33 "// d\x0de"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("dump lacks %q:\n%s", want, got)
		}
	}
}

func TestRejectedFileGivesErrorLine(t *testing.T) {
	got := string(dumpSource("x.go", []byte("package p\nfunc")))
	want := "ERROR 14 \"expected 'IDENT', found 'EOF'\"\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestQuoting(t *testing.T) {
	got := string(appendQuoted(nil, []byte("a\"\\\té~")))
	want := `"a\x22\x5c\x09\xc3\xa9~"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestBatchKeepsInputOrder(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 20; i++ {
		path := filepath.Join(dir, "f"+strconv.Itoa(i)+".go")
		src := "package p" + strconv.Itoa(i) + "\n"
		if i%3 == 0 {
			src = "package\n" // rejected
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	paths = append(paths, filepath.Join(dir, "missing.go"))
	var out bytes.Buffer
	if err := runBatch(strings.NewReader(strings.Join(paths, "\n")+"\n"), &out, 4); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(&out)
	for i, path := range paths {
		header, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		fields := strings.SplitN(strings.TrimSuffix(header, "\n"), " ", 3)
		if len(fields) != 3 || fields[0] != "FILE" || fields[2] != path {
			t.Fatalf("record %d: header %q for %s", i, header, path)
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(path, "missing.go"):
			if !bytes.HasPrefix(body, []byte("IOERROR ")) {
				t.Errorf("%s: %q", path, body)
			}
		case i%3 == 0:
			if !bytes.HasPrefix(body, []byte("ERROR ")) {
				t.Errorf("%s: %q", path, body)
			}
		default:
			if !bytes.Contains(body, []byte(`Name Ident 8 `)) {
				t.Errorf("%s: %q", path, body)
			}
		}
	}
	if rest, _ := r.ReadString(0); rest != "" {
		t.Errorf("trailing output %q", rest)
	}
}
