package main

// The canonical text form of a go/ast file. The format is specified in
// crates/goconc_syntax/src/canonical.rs (module docs); this printer and that
// one must produce byte-identical output for every file go/parser accepts.

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strconv"
)

// parseMode is the go/parser configuration the oracle judges against.
const parseMode = parser.ParseComments | parser.SkipObjectResolution

// dumpSource parses src and returns its canonical form, or a single
// "ERROR <offset> <message>" line when go/parser rejects it.
func dumpSource(filename string, src []byte) []byte {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parseMode)
	if err != nil {
		return errorLine(err)
	}
	p := printer{src: src, base: fset.File(file.FileStart).Base()}
	p.file(file)
	return p.buf
}

func errorLine(err error) []byte {
	var list scanner.ErrorList
	offset := "-"
	msg := err.Error()
	if errors.As(err, &list) && len(list) > 0 {
		offset = strconv.Itoa(list[0].Pos.Offset)
		msg = list[0].Msg
	}
	var b []byte
	b = append(b, "ERROR "...)
	b = append(b, offset...)
	b = append(b, ' ')
	b = appendQuoted(b, []byte(msg))
	b = append(b, '\n')
	return b
}

type printer struct {
	buf   []byte
	src   []byte
	base  int
	depth int
}

// appendQuoted writes s between double quotes; printable ASCII other than
// '"' and '\\' is kept, every other byte becomes \xNN (lowercase hex).
func appendQuoted(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
		} else {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return append(b, '"')
}

// begin starts a line: indentation (one space per depth) and the label.
func (p *printer) begin(label string) {
	for i := 0; i < p.depth; i++ {
		p.buf = append(p.buf, ' ')
	}
	p.buf = append(p.buf, label...)
}

func (p *printer) offset(pos token.Pos) int { return int(pos) - p.base }

// pos appends " <offset>", or " -" for token.NoPos.
func (p *printer) pos(pos token.Pos) {
	p.buf = append(p.buf, ' ')
	if !pos.IsValid() {
		p.buf = append(p.buf, '-')
		return
	}
	p.buf = strconv.AppendInt(p.buf, int64(p.offset(pos)), 10)
}

// attrPos appends " key=<offset>" or " key=nil".
func (p *printer) attrPos(key string, pos token.Pos) {
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, key...)
	p.buf = append(p.buf, '=')
	if !pos.IsValid() {
		p.buf = append(p.buf, "nil"...)
		return
	}
	p.buf = strconv.AppendInt(p.buf, int64(p.offset(pos)), 10)
}

func (p *printer) attr(key, value string) {
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, key...)
	p.buf = append(p.buf, '=')
	p.buf = append(p.buf, value...)
}

// node starts a node line: "<label> <Kind> <start> <end>".
func (p *printer) node(label, kind string, n ast.Node) {
	p.begin(label)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, kind...)
	p.pos(n.Pos())
	p.pos(n.End())
}

func (p *printer) nl() { p.buf = append(p.buf, '\n') }

func (p *printer) nilLine(label string) {
	p.begin(label)
	p.buf = append(p.buf, " nil\n"...)
}

func (p *printer) listHeader(label string, n int) {
	p.begin(label)
	p.buf = append(p.buf, " ["...)
	p.buf = strconv.AppendInt(p.buf, int64(n), 10)
	p.buf = append(p.buf, "]\n"...)
}

func (p *printer) file(f *ast.File) {
	p.begin("File")
	p.buf = append(p.buf, ' ', '0', ' ')
	p.buf = strconv.AppendInt(p.buf, int64(len(p.src)), 10)
	p.attrPos("package", f.Package)
	p.nl()
	p.depth++
	p.ident("Name", f.Name)
	p.listHeader("Decls", len(f.Decls))
	p.depth++
	for _, d := range f.Decls {
		p.decl("-", d)
	}
	p.depth--
	p.listHeader("Imports", len(f.Imports))
	p.depth++
	for _, s := range f.Imports {
		p.node("-", "ImportSpec", s)
		p.nl()
	}
	p.depth--
	p.listHeader("Comments", len(f.Comments))
	p.depth++
	for _, g := range f.Comments {
		p.commentGroup(g)
	}
	p.depth--
	p.depth--
}

// commentEnd is the offset just past the comment starting at start in the
// source. go/ast's Comment.End() is Slash+len(Text), which is short when the
// scanner stripped carriage returns, so the true extent is recomputed from the
// source: a //-comment runs up to the newline (excluding one '\r' right before
// it, as the scanner does), a /*-comment up to and including "*/".
func (p *printer) commentEnd(start int) int {
	src := p.src
	if start+1 < len(src) && src[start+1] == '*' {
		if i := bytes.Index(src[start+2:], []byte("*/")); i >= 0 {
			return start + 2 + i + 2
		}
		return len(src)
	}
	end := len(src)
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		end = start + i
	}
	if end-start > 2 && src[end-1] == '\r' {
		end--
	}
	return end
}

func (p *printer) commentGroup(g *ast.CommentGroup) {
	first := p.offset(g.List[0].Slash)
	last := p.commentEnd(p.offset(g.List[len(g.List)-1].Slash))
	p.begin("- CommentGroup ")
	p.buf = strconv.AppendInt(p.buf, int64(first), 10)
	p.buf = append(p.buf, ' ')
	p.buf = strconv.AppendInt(p.buf, int64(last), 10)
	p.buf = append(p.buf, " ["...)
	p.buf = strconv.AppendInt(p.buf, int64(len(g.List)), 10)
	p.buf = append(p.buf, "]\n"...)
	p.depth++
	for _, c := range g.List {
		start := p.offset(c.Slash)
		end := p.commentEnd(start)
		p.begin("- Comment ")
		p.buf = strconv.AppendInt(p.buf, int64(start), 10)
		p.buf = append(p.buf, ' ')
		p.buf = strconv.AppendInt(p.buf, int64(end), 10)
		p.buf = append(p.buf, ' ')
		p.buf = appendQuoted(p.buf, p.src[start:end])
		p.nl()
	}
	p.depth--
}

func (p *printer) ident(label string, id *ast.Ident) {
	if id == nil {
		p.nilLine(label)
		return
	}
	p.node(label, "Ident", id)
	p.buf = append(p.buf, ' ')
	p.buf = appendQuoted(p.buf, []byte(id.Name))
	p.nl()
}

func (p *printer) basicLit(label string, lit *ast.BasicLit) {
	if lit == nil {
		p.nilLine(label)
		return
	}
	p.node(label, "BasicLit", lit)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, lit.Kind.String()...)
	p.buf = append(p.buf, ' ')
	start, end := p.offset(lit.Pos()), p.offset(lit.End())
	if start >= 0 && start <= end && end <= len(p.src) {
		p.buf = appendQuoted(p.buf, p.src[start:end])
	} else {
		p.buf = appendQuoted(p.buf, []byte(lit.Value))
	}
	p.nl()
}

func (p *printer) exprList(label string, list []ast.Expr) {
	p.listHeader(label, len(list))
	p.depth++
	for _, e := range list {
		p.expr("-", e)
	}
	p.depth--
}

func (p *printer) stmtList(label string, list []ast.Stmt) {
	p.listHeader(label, len(list))
	p.depth++
	for _, s := range list {
		p.stmt("-", s)
	}
	p.depth--
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (p *printer) expr(label string, e ast.Expr) {
	if e == nil {
		p.nilLine(label)
		return
	}
	switch x := e.(type) {
	case *ast.BadExpr:
		p.node(label, "BadExpr", x)
		p.nl()
	case *ast.Ident:
		p.ident(label, x)
	case *ast.Ellipsis:
		p.node(label, "Ellipsis", x)
		p.nl()
		p.depth++
		p.expr("Elt", x.Elt)
		p.depth--
	case *ast.BasicLit:
		p.basicLit(label, x)
	case *ast.FuncLit:
		p.node(label, "FuncLit", x)
		p.nl()
		p.depth++
		p.funcType("Type", x.Type)
		p.block("Body", x.Body)
		p.depth--
	case *ast.CompositeLit:
		p.node(label, "CompositeLit", x)
		p.attrPos("lbrace", x.Lbrace)
		p.attrPos("rbrace", x.Rbrace)
		p.attr("incomplete", boolStr(x.Incomplete))
		p.nl()
		p.depth++
		p.expr("Type", x.Type)
		p.exprList("Elts", x.Elts)
		p.depth--
	case *ast.ParenExpr:
		p.node(label, "ParenExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.depth--
	case *ast.SelectorExpr:
		p.node(label, "SelectorExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.ident("Sel", x.Sel)
		p.depth--
	case *ast.IndexExpr:
		p.node(label, "IndexExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.expr("Index", x.Index)
		p.depth--
	case *ast.IndexListExpr:
		p.node(label, "IndexListExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.exprList("Indices", x.Indices)
		p.depth--
	case *ast.SliceExpr:
		p.node(label, "SliceExpr", x)
		p.attr("slice3", boolStr(x.Slice3))
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.expr("Low", x.Low)
		p.expr("High", x.High)
		p.expr("Max", x.Max)
		p.depth--
	case *ast.TypeAssertExpr:
		p.node(label, "TypeAssertExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.expr("Type", x.Type)
		p.depth--
	case *ast.CallExpr:
		p.node(label, "CallExpr", x)
		p.attrPos("ellipsis", x.Ellipsis)
		p.nl()
		p.depth++
		p.expr("Fun", x.Fun)
		p.exprList("Args", x.Args)
		p.depth--
	case *ast.StarExpr:
		p.node(label, "StarExpr", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.depth--
	case *ast.UnaryExpr:
		p.node(label, "UnaryExpr", x)
		p.attr("op", x.Op.String())
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.depth--
	case *ast.BinaryExpr:
		p.node(label, "BinaryExpr", x)
		p.attr("op", x.Op.String())
		p.attrPos("oppos", x.OpPos)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.expr("Y", x.Y)
		p.depth--
	case *ast.KeyValueExpr:
		p.node(label, "KeyValueExpr", x)
		p.nl()
		p.depth++
		p.expr("Key", x.Key)
		p.expr("Value", x.Value)
		p.depth--
	case *ast.ArrayType:
		p.node(label, "ArrayType", x)
		p.nl()
		p.depth++
		p.expr("Len", x.Len)
		p.expr("Elt", x.Elt)
		p.depth--
	case *ast.StructType:
		p.node(label, "StructType", x)
		if x.Incomplete {
			// go/parser never sets this; goconc has no such flag.
			p.attr("incomplete", "true")
		}
		p.nl()
		p.depth++
		p.fieldList("Fields", x.Fields)
		p.depth--
	case *ast.FuncType:
		p.funcType(label, x)
	case *ast.InterfaceType:
		p.node(label, "InterfaceType", x)
		if x.Incomplete {
			p.attr("incomplete", "true")
		}
		p.nl()
		p.depth++
		p.fieldList("Methods", x.Methods)
		p.depth--
	case *ast.MapType:
		p.node(label, "MapType", x)
		p.nl()
		p.depth++
		p.expr("Key", x.Key)
		p.expr("Value", x.Value)
		p.depth--
	case *ast.ChanType:
		p.node(label, "ChanType", x)
		dir := "both"
		switch x.Dir {
		case ast.SEND:
			dir = "send"
		case ast.RECV:
			dir = "recv"
		}
		p.attr("dir", dir)
		p.attrPos("arrow", x.Arrow)
		p.nl()
		p.depth++
		p.expr("Value", x.Value)
		p.depth--
	default:
		p.begin(label)
		p.buf = append(p.buf, fmt.Sprintf(" UNKNOWN-EXPR %T\n", e)...)
	}
}

func (p *printer) funcType(label string, t *ast.FuncType) {
	if t == nil {
		p.nilLine(label)
		return
	}
	p.node(label, "FuncType", t)
	p.attrPos("func", t.Func)
	p.nl()
	p.depth++
	p.fieldList("TypeParams", t.TypeParams)
	p.fieldList("Params", t.Params)
	p.fieldList("Results", t.Results)
	p.depth--
}

func (p *printer) fieldList(label string, l *ast.FieldList) {
	if l == nil {
		p.nilLine(label)
		return
	}
	p.node(label, "FieldList", l)
	p.attrPos("opening", l.Opening)
	p.attrPos("closing", l.Closing)
	p.buf = append(p.buf, " ["...)
	p.buf = strconv.AppendInt(p.buf, int64(len(l.List)), 10)
	p.buf = append(p.buf, "]\n"...)
	p.depth++
	for _, f := range l.List {
		p.node("-", "Field", f)
		p.nl()
		p.depth++
		p.listHeader("Names", len(f.Names))
		p.depth++
		for _, n := range f.Names {
			p.ident("-", n)
		}
		p.depth--
		p.expr("Type", f.Type)
		p.basicLit("Tag", f.Tag)
		p.depth--
	}
	p.depth--
}

func (p *printer) block(label string, b *ast.BlockStmt) {
	if b == nil {
		p.nilLine(label)
		return
	}
	p.node(label, "BlockStmt", b)
	p.nl()
	p.depth++
	p.stmtList("List", b.List)
	p.depth--
}

func (p *printer) stmt(label string, s ast.Stmt) {
	if s == nil {
		p.nilLine(label)
		return
	}
	switch x := s.(type) {
	case *ast.BadStmt:
		p.node(label, "BadStmt", x)
		p.nl()
	case *ast.DeclStmt:
		p.node(label, "DeclStmt", x)
		p.nl()
		p.depth++
		p.decl("Decl", x.Decl)
		p.depth--
	case *ast.EmptyStmt:
		p.node(label, "EmptyStmt", x)
		p.attr("implicit", boolStr(x.Implicit))
		p.nl()
	case *ast.LabeledStmt:
		p.node(label, "LabeledStmt", x)
		p.nl()
		p.depth++
		p.ident("Label", x.Label)
		p.stmt("Stmt", x.Stmt)
		p.depth--
	case *ast.ExprStmt:
		p.node(label, "ExprStmt", x)
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.depth--
	case *ast.SendStmt:
		p.node(label, "SendStmt", x)
		p.attrPos("arrow", x.Arrow)
		p.nl()
		p.depth++
		p.expr("Chan", x.Chan)
		p.expr("Value", x.Value)
		p.depth--
	case *ast.IncDecStmt:
		p.node(label, "IncDecStmt", x)
		p.attr("tok", x.Tok.String())
		p.nl()
		p.depth++
		p.expr("X", x.X)
		p.depth--
	case *ast.AssignStmt:
		p.node(label, "AssignStmt", x)
		p.attr("tok", x.Tok.String())
		p.attrPos("tokpos", x.TokPos)
		p.nl()
		p.depth++
		p.exprList("Lhs", x.Lhs)
		p.exprList("Rhs", x.Rhs)
		p.depth--
	case *ast.GoStmt:
		p.node(label, "GoStmt", x)
		p.nl()
		p.depth++
		p.expr("Call", x.Call)
		p.depth--
	case *ast.DeferStmt:
		p.node(label, "DeferStmt", x)
		p.nl()
		p.depth++
		p.expr("Call", x.Call)
		p.depth--
	case *ast.ReturnStmt:
		p.node(label, "ReturnStmt", x)
		p.nl()
		p.depth++
		p.exprList("Results", x.Results)
		p.depth--
	case *ast.BranchStmt:
		p.node(label, "BranchStmt", x)
		p.attr("tok", x.Tok.String())
		p.nl()
		p.depth++
		p.ident("Label", x.Label)
		p.depth--
	case *ast.BlockStmt:
		p.block(label, x)
	case *ast.IfStmt:
		p.node(label, "IfStmt", x)
		p.nl()
		p.depth++
		p.stmt("Init", x.Init)
		p.expr("Cond", x.Cond)
		p.block("Body", x.Body)
		p.stmt("Else", x.Else)
		p.depth--
	case *ast.CaseClause:
		p.node(label, "CaseClause", x)
		p.attrPos("colon", x.Colon)
		p.nl()
		p.depth++
		if x.List == nil {
			p.nilLine("List")
		} else {
			p.exprList("List", x.List)
		}
		p.stmtList("Body", x.Body)
		p.depth--
	case *ast.SwitchStmt:
		p.node(label, "SwitchStmt", x)
		p.nl()
		p.depth++
		p.stmt("Init", x.Init)
		p.expr("Tag", x.Tag)
		p.block("Body", x.Body)
		p.depth--
	case *ast.TypeSwitchStmt:
		p.node(label, "TypeSwitchStmt", x)
		p.nl()
		p.depth++
		p.stmt("Init", x.Init)
		p.stmt("Assign", x.Assign)
		p.block("Body", x.Body)
		p.depth--
	case *ast.CommClause:
		p.node(label, "CommClause", x)
		p.attrPos("colon", x.Colon)
		p.nl()
		p.depth++
		p.stmt("Comm", x.Comm)
		p.stmtList("Body", x.Body)
		p.depth--
	case *ast.SelectStmt:
		p.node(label, "SelectStmt", x)
		p.nl()
		p.depth++
		p.block("Body", x.Body)
		p.depth--
	case *ast.ForStmt:
		p.node(label, "ForStmt", x)
		p.nl()
		p.depth++
		p.stmt("Init", x.Init)
		p.expr("Cond", x.Cond)
		p.stmt("Post", x.Post)
		p.block("Body", x.Body)
		p.depth--
	case *ast.RangeStmt:
		p.node(label, "RangeStmt", x)
		tok := "nil"
		if x.Tok != token.ILLEGAL {
			tok = x.Tok.String()
		}
		p.attr("tok", tok)
		p.nl()
		p.depth++
		p.expr("Key", x.Key)
		p.expr("Value", x.Value)
		p.expr("X", x.X)
		p.block("Body", x.Body)
		p.depth--
	default:
		p.begin(label)
		p.buf = append(p.buf, fmt.Sprintf(" UNKNOWN-STMT %T\n", s)...)
	}
}

func (p *printer) decl(label string, d ast.Decl) {
	if d == nil {
		p.nilLine(label)
		return
	}
	switch x := d.(type) {
	case *ast.BadDecl:
		p.node(label, "BadDecl", x)
		p.nl()
	case *ast.GenDecl:
		p.node(label, "GenDecl", x)
		p.attr("tok", x.Tok.String())
		p.attrPos("lparen", x.Lparen)
		p.attrPos("rparen", x.Rparen)
		p.nl()
		p.depth++
		p.listHeader("Specs", len(x.Specs))
		p.depth++
		for _, s := range x.Specs {
			p.spec("-", s)
		}
		p.depth--
		p.depth--
	case *ast.FuncDecl:
		p.node(label, "FuncDecl", x)
		p.nl()
		p.depth++
		p.fieldList("Recv", x.Recv)
		p.ident("Name", x.Name)
		p.funcType("Type", x.Type)
		p.block("Body", x.Body)
		p.depth--
	default:
		p.begin(label)
		p.buf = append(p.buf, fmt.Sprintf(" UNKNOWN-DECL %T\n", d)...)
	}
}

func (p *printer) spec(label string, s ast.Spec) {
	switch x := s.(type) {
	case *ast.ImportSpec:
		p.node(label, "ImportSpec", x)
		p.nl()
		p.depth++
		p.ident("Name", x.Name)
		p.basicLit("Path", x.Path)
		p.depth--
	case *ast.ValueSpec:
		p.node(label, "ValueSpec", x)
		p.nl()
		p.depth++
		p.listHeader("Names", len(x.Names))
		p.depth++
		for _, n := range x.Names {
			p.ident("-", n)
		}
		p.depth--
		p.expr("Type", x.Type)
		p.exprList("Values", x.Values)
		p.depth--
	case *ast.TypeSpec:
		p.node(label, "TypeSpec", x)
		p.attrPos("assign", x.Assign)
		p.nl()
		p.depth++
		p.ident("Name", x.Name)
		p.fieldList("TypeParams", x.TypeParams)
		p.expr("Type", x.Type)
		p.depth--
	default:
		p.begin(label)
		p.buf = append(p.buf, fmt.Sprintf(" UNKNOWN-SPEC %T\n", s)...)
	}
}
