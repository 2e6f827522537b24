package main

import "testing"

func TestCountHits(t *testing.T) {
	t.Log("counting hits")
	countHits(6)
}

func TestRecordAll(t *testing.T) {
	s := &stats{}
	recordAll(s, 6)
	if s.requests == 0 {
		t.Fatal("no requests recorded")
	}
}

func TestNoRace(t *testing.T) {
	t.Log("this test is clean")
}
