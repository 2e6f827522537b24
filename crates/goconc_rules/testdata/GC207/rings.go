package gc207

import "strings"

// Three stages connected in a ring of unbuffered channels.

type docPage struct {
	url  string
	body string
}

type docFetcher interface {
	fetch(url string) (docPage, error)
}

// siteCrawler fetches pages, extracts their links and schedules the new
// ones; the scheduler feeds the fetcher, which feeds the parser, which
// feeds the scheduler.
type siteCrawler struct {
	fetcher  docFetcher
	maxPages int
	urls     chan string
	pages    chan docPage
	links    chan string
	done     chan []string
}

func newSiteCrawler(f docFetcher, maxPages int) *siteCrawler {
	return &siteCrawler{
		fetcher:  f,
		maxPages: maxPages,
		urls:     make(chan string),
		pages:    make(chan docPage),
		links:    make(chan string),
		done:     make(chan []string, 1),
	}
}

func (c *siteCrawler) crawl(seed string) []string {
	go c.fetchLoop() // related `goroutine running fetchLoop started here`
	go c.parseLoop()
	go c.scheduleLoop()
	c.links <- seed
	return <-c.done
}

func (c *siteCrawler) fetchLoop() {
	for u := range c.urls {
		p, err := c.fetcher.fetch(u)
		if err != nil {
			continue
		}
		c.pages <- p // want "`c.pages <- p` can block forever: the goroutine running parseLoop can be waiting at `c.links <- l` and the goroutine running scheduleLoop can be waiting at `c.urls <- l` at the same time"
	}
	close(c.pages)
}

func (c *siteCrawler) parseLoop() {
	for p := range c.pages {
		for _, l := range pageLinks(p.body) {
			c.links <- l // related `goroutine running parseLoop waits here`
		}
	}
}

func (c *siteCrawler) scheduleLoop() {
	seen := make(map[string]bool)
	var visited []string
	for l := range c.links {
		if seen[l] {
			continue
		}
		seen[l] = true
		visited = append(visited, l)
		c.urls <- l // related `goroutine running scheduleLoop waits here`
		if len(visited) >= c.maxPages {
			close(c.urls)
			c.done <- visited
			return
		}
	}
}

func pageLinks(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `href="`)[1:] {
		if end := strings.IndexByte(part, '"'); end > 0 {
			out = append(out, part[:end])
		}
	}
	return out
}

// queueingCrawler's scheduler keeps taking links while it waits to hand
// a URL to the fetcher, so the ring always has a stage that can move.
type queueingCrawler struct {
	fetcher docFetcher
	urls    chan string
	pages   chan docPage
	links   chan string
	stop    chan struct{}
}

func newQueueingCrawler(f docFetcher) *queueingCrawler {
	return &queueingCrawler{
		fetcher: f,
		urls:    make(chan string),
		pages:   make(chan docPage),
		links:   make(chan string),
		stop:    make(chan struct{}),
	}
}

func (c *queueingCrawler) crawl(seed string) {
	go c.fetchLoop()
	go c.parseLoop()
	go c.scheduleLoop(seed)
}

func (c *queueingCrawler) fetchLoop() {
	for u := range c.urls {
		p, err := c.fetcher.fetch(u)
		if err != nil {
			continue
		}
		c.pages <- p // ok: the scheduler drains links while the fetcher waits on the parser
	}
}

func (c *queueingCrawler) parseLoop() {
	for p := range c.pages {
		for _, l := range pageLinks(p.body) {
			c.links <- l
		}
	}
}

func (c *queueingCrawler) scheduleLoop(seed string) {
	seen := map[string]bool{seed: true}
	queue := []string{seed}
	for {
		var out chan string
		var next string
		if len(queue) > 0 {
			out, next = c.urls, queue[0]
		}
		select {
		case out <- next:
			queue = queue[1:]
		case l := <-c.links:
			if !seen[l] {
				seen[l] = true
				queue = append(queue, l)
			}
		case <-c.stop:
			return
		}
	}
}
