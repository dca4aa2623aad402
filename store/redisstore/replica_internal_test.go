package redisstore

import (
	"strings"
	"testing"
	"time"
)

const (
	idA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idC = "cccccccccccccccccccccccccccccccccccccccc"
	idR = "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
)

// nodesOf is the CLUSTER NODES reply of three masters A (0-5460), B
// (5461-10922), C (10923-16383) and R, a replica of A, seen by me.
func nodesOf(me string, extra ...string) string {
	lines := []string{
		idA + " 127.0.0.1:1@11 master - 0 0 1 connected 0-5460",
		idB + " 127.0.0.1:2@12 master - 0 0 2 connected 5461-10922",
		idC + " 127.0.0.1:3@13 master - 0 0 3 connected 10923-16383",
		idR + " 127.0.0.1:4@14 slave " + idA + " 0 0 1 connected",
	}
	for i, l := range lines {
		if strings.HasPrefix(l, me) {
			f := strings.Fields(l)
			f[2] = "myself," + f[2]
			lines[i] = strings.Join(f, " ")
		}
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

const infoOK = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"

func TestParseNodeView(t *testing.T) {
	for _, tc := range []struct {
		name, info, nodes string
		ok                bool
		own               [][2]int
	}{
		{"master", infoOK, nodesOf(idB), true, [][2]int{{5461, 10922}}},
		{"replica", infoOK, nodesOf(idR), false, nil},
		{"cluster down", "cluster_state:fail\r\n", nodesOf(idA), false, [][2]int{{0, 5460}}},
		{"no myself", infoOK, nodesOf("none"), false, nil},
		{"bad slot", infoOK, strings.Replace(nodesOf(idA), "0-5460", "0-99999", 1), false, nil},
	} {
		v := parseNodeView(tc.info, tc.nodes)
		if v.ok != tc.ok || len(v.own) != len(tc.own) || (len(v.own) > 0 && v.own[0] != tc.own[0]) {
			t.Errorf("%s: ok %v own %v, want %v %v", tc.name, v.ok, v.own, tc.ok, tc.own)
		}
	}
	v := parseNodeView(infoOK, strings.Replace(nodesOf(idA), "0-5460", "0-5460 [7->-"+idR+"] [9-<-"+idB+"]", 1))
	if len(v.migrating) != 1 || v.migrating[0] != idR {
		t.Errorf("migrating %v, want [%s]", v.migrating, idR)
	}
	if len(v.masters) != 3 {
		t.Errorf("masters %v, want A, B and C", v.masters)
	}
}

// TestReplicaCovered: kept answers on Cluster are used only when the
// followed masters' views agree that they are all the masters.
func TestReplicaCovered(t *testing.T) {
	view := func(me string, extra ...string) *nodeView { return parseNodeView(infoOK, nodesOf(me, extra...)) }
	r := &Replica{feeds: map[string]*feed{}}
	set := func(views ...*nodeView) {
		clear(r.feeds)
		for i, v := range views {
			r.feeds[string(rune('a'+i))] = &feed{view: v, up: true, synced: time.Now()}
		}
	}
	set(view(idA), view(idB), view(idC))
	if !r.covered() {
		t.Fatal("three masters covering every slot: not covered")
	}
	for _, tc := range []struct {
		name  string
		views []*nodeView
	}{
		{"a master not followed", []*nodeView{view(idA), view(idB)}},
		{"a view without heartbeat", []*nodeView{view(idA), view(idB), nil}},
		{"a follower is a replica", []*nodeView{view(idA), view(idB), view(idC), view(idR)}},
		// B knows of a new master D owning slots (say a promoted replica)
		// that nobody follows, while the others still claim every slot.
		{"an unknown master with slots", []*nodeView{view(idA), view(idB, "dddddddddddddddddddddddddddddddddddddddd 127.0.0.1:5@15 master - 0 0 9 connected 100"), view(idC)}},
		{"a slot migrating to an unfollowed node", []*nodeView{parseNodeView(infoOK, strings.Replace(nodesOf(idA), "0-5460", "0-5460 [7->-"+idR+"]", 1)), view(idB), view(idC)}},
		{"slots not covered", []*nodeView{parseNodeView(infoOK, strings.Replace(nodesOf(idA), "0-5460", "0-5459", 1)), view(idB), view(idC)}},
	} {
		set(tc.views...)
		if r.covered() {
			t.Errorf("%s: covered", tc.name)
		}
	}
}
