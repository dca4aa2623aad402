package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// clusterSlots is the number of Redis Cluster hash slots.
const clusterSlots = 16384

// nodeView is what a Cluster master reported in the transaction of one
// heartbeat (CLUSTER INFO, CLUSTER NODES).
type nodeView struct {
	ok        bool     // cluster_state:ok, the node a master, not failing
	id        string   // the node's id
	own       [][2]int // the slots it owns, as ranges
	migrating []string // the nodes some of its slots migrate to
	masters   []string // the masters with slots it knows of (itself included)
}

// parseNodeView reads the replies of CLUSTER INFO and CLUSTER NODES.
func parseNodeView(info, nodes string) *nodeView {
	v := &nodeView{}
	stateOK := false
	for line := range strings.SplitSeq(info, "\n") {
		if strings.TrimSpace(line) == "cluster_state:ok" {
			stateOK = true
		}
	}
	myself := false
	for line := range strings.SplitSeq(nodes, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags := "," + f[2] + ","
		isMaster := strings.Contains(flags, ",master,")
		var slots [][2]int
		for _, tok := range f[8:] {
			if strings.HasPrefix(tok, "[") {
				// [slot->-id] migrating, [slot-<-id] importing
				if _, to, ok := strings.Cut(tok, "->-"); ok && strings.Contains(flags, ",myself,") {
					v.migrating = append(v.migrating, strings.TrimSuffix(to, "]"))
				}
				continue
			}
			lo, hi, isRange := strings.Cut(tok, "-")
			a, err1 := strconv.Atoi(lo)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || a < 0 || b < a || b >= clusterSlots {
				return &nodeView{} // unreadable: not ok
			}
			slots = append(slots, [2]int{a, b})
		}
		if isMaster && len(slots) > 0 {
			v.masters = append(v.masters, f[0])
		}
		if strings.Contains(flags, ",myself,") {
			myself = true
			v.id = f[0]
			v.own = slots
			v.ok = isMaster && !strings.Contains(flags, ",fail") && !strings.Contains(flags, ",noaddr,")
		}
	}
	v.ok = v.ok && myself && stateOK
	return v
}

// covered reports whether the views of the feeds' latest heartbeats
// agree that the feeds are all the masters: each node ok, their own slots
// covering every slot, and every master with slots and every migration
// target one of them. The caller holds r.mu.
func (r *Replica) covered() bool {
	ids := make(map[string]bool, len(r.feeds))
	for _, f := range r.feeds {
		if f.view == nil || !f.view.ok {
			return false
		}
		ids[f.view.id] = true
	}
	var seen [clusterSlots / 64]uint64
	for _, f := range r.feeds {
		for _, m := range f.view.masters {
			if !ids[m] {
				return false
			}
		}
		for _, m := range f.view.migrating {
			if !ids[m] {
				return false
			}
		}
		for _, sr := range f.view.own {
			for s := sr[0]; s <= sr[1]; s++ {
				seen[s/64] |= 1 << (s % 64)
			}
		}
	}
	for _, w := range seen {
		if w != ^uint64(0) {
			return false
		}
	}
	return true
}

// masters returns the addresses of the Cluster's masters (CLUSTER SLOTS).
func (r *Replica) masters(ctx context.Context) ([]string, error) {
	slots, err := r.cluster.ClusterSlots(ctx).Result() //lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; the store also runs on 6
	if err != nil {
		return nil, unavailable("replica: CLUSTER SLOTS", err)
	}
	seen := make(map[string]bool)
	var addrs []string
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		if a := s.Nodes[0].Addr; !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, unavailable("replica: CLUSTER SLOTS", errors.New("no master"))
	}
	return addrs, nil
}

// wantRefresh asks the watcher to read the masters again. The caller
// holds r.mu.
func (r *Replica) wantRefresh() {
	select {
	case r.refresh <- struct{}{}:
	default:
	}
}

// watch follows the Cluster's masters: every MaxStale, and when a
// heartbeat's view disagrees with the feeds, it reads them again and
// subscribes to new masters and leaves old ones, dropping every answer.
func (r *Replica) watch() {
	defer r.wg.Done()
	t := time.NewTicker(r.maxStale)
	defer t.Stop()
	tick := t.C
	if r.hooks != nil && r.hooks.viewsOnly {
		tick = nil
	}
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick:
		case <-r.refresh:
		}
		r.follow()
		select { // at most 4 reads per MaxStale, however many views disagree
		case <-r.ctx.Done():
			return
		case <-time.After(r.maxStale / 4):
		}
	}
}

// follow makes the feeds the masters CLUSTER SLOTS names.
func (r *Replica) follow() {
	ctx, cancel := context.WithTimeout(r.ctx, r.s.timeout)
	defer cancel()
	addrs, err := r.masters(ctx)
	if err != nil {
		return
	}
	want := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		want[a] = true
	}
	r.mu.Lock()
	var gone []*feed
	for a, f := range r.feeds {
		if !want[a] {
			gone = append(gone, f)
			delete(r.feeds, a)
		}
	}
	if len(gone) > 0 {
		r.dropAll()
	}
	var missing []string
	for _, a := range addrs {
		if r.feeds[a] == nil {
			missing = append(missing, a)
		}
	}
	r.mu.Unlock()
	for _, f := range gone {
		_ = r.stop(f)
	}
	for _, a := range missing {
		f, err := r.newFeed(ctx, a, nil)
		if err != nil {
			continue // not counted fresh until it can be followed
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			_ = f.ps.Close()
			_ = f.c.Close()
			return
		}
		r.feeds[a] = f
		r.dropAll()
		r.start(f)
		r.mu.Unlock()
	}
}
