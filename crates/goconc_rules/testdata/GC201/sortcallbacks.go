package gc201

import (
	"sort"
	"strings"
	"sync"
)

// A scheduler's plugin list, kept sorted by priority. Register sorts under
// the lock, and the less function asks PriorityOf, which takes the same
// lock: sort.SliceStable calls less before it returns, so from the second
// registration on Register locks m.mu twice.
type schedPlugin struct {
	Name     string
	Priority int
}

type schedPlugins struct {
	mu       sync.Mutex
	plugins  []schedPlugin
	priority map[string]int
}

func (m *schedPlugins) PriorityOf(name string) int {
	m.mu.Lock() // related "acquires m.mu here"
	defer m.mu.Unlock()
	return m.priority[name]
}

func (m *schedPlugins) Register(p schedPlugin) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.priority[p.Name] = p.Priority
	m.plugins = append(m.plugins, p)
	sort.SliceStable(m.plugins, func(i, j int) bool { // want "m.mu is already locked: the function literal it runs acquires it"
		return m.PriorityOf(m.plugins[i].Name) < m.PriorityOf(m.plugins[j].Name)
	})
}

// The fixed list compares through a helper that expects the lock held.
type sortedPlugins struct {
	mu       sync.Mutex
	plugins  []schedPlugin
	priority map[string]int
}

func (m *sortedPlugins) priorityLocked(name string) int { return m.priority[name] }

func (m *sortedPlugins) PriorityOf(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.priorityLocked(name)
}

func (m *sortedPlugins) Register(p schedPlugin) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.priority[p.Name] = p.Priority
	m.plugins = append(m.plugins, p)
	sort.SliceStable(m.plugins, func(i, j int) bool { // ok: the comparison reads under the caller's lock
		return m.priorityLocked(m.plugins[i].Name) < m.priorityLocked(m.plugins[j].Name)
	})
}

// Names splits a tag list under the lock; the callback takes no lock.
func (m *sortedPlugins) Names(tags string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.FieldsFunc(tags, func(r rune) bool { return r == ',' }) // ok: the callback takes no lock
}
