//! GC204 `channel-under-lock`.

use rustc_hash::FxHashMap as HashMap;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, LockKind, LockOp, Mode, Op, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_semantic::Program;
use goconc_syntax::ast::{Span, StmtId};

use super::lock_order_inversion::{
    acquisitions, deferred_acquisitions, display_path, for_each_op_with_held, held_at_blocks,
    lock_class, may_hold_locks, modelled_callee, production_functions, short_func_name, HeldLocks,
    LockClass, PathName,
};
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a blocking channel operation — a send on an unbuffered
    /// channel, a receive, or a `select` without `default` — performed while
    /// holding a mutex that the goroutine on the other side of the channel
    /// must acquire before it can get back to its side of the hand-off —
    /// including `<-done` waits for a goroutine that takes the lock before it
    /// closes `done` (e.g. `defer close(done)` in a loop that locks, or a
    /// deferred cleanup call that locks and, registered after `defer
    /// close(done)`, runs before it). The
    /// counterpart is found among the package's functions and goroutines
    /// that use the same channel (the same field of the same type); its lock
    /// acquisitions are followed through calls. The function itself is a
    /// counterpart from another call when the two operations lie on paths
    /// that exclude each other (a follower waiting on `<-call.done` under
    /// the lock that the leader, in another call, needs before it closes
    /// its own `done`). A channel field handed to a goroutine's parameter
    /// (`go c.run(c.stopc, c.donec)`) is followed into it.
    ///
    /// A send under a write lock on an unbuffered channel field that only
    /// code outside the package receives from (handed out by a receive-only
    /// accessor such as `Evictions() <-chan string`) is reported when an
    /// exported method takes that lock: a consumer calling it between two
    /// receives waits for the lock the sender holds.
    ///
    /// So is a send on a local unbuffered channel handed to a goroutine the
    /// function starts (`go p.managePod(ch)`, the per-key worker) while
    /// holding a lock that the goroutine's receive loop takes between two
    /// receives: from the second value on, each waits for the other.
    ///
    /// A publisher's plain send to its subscribers' channels while it holds
    /// the lock guarding the subscriber set (`for _, ch := range p.subs {
    /// ch <- msg }`, also grouped by topic as `range p.subs[topic]`, or
    /// `s.ch <- msg` for subscription records `s`, under
    /// `p.mu`) is reported too, when the subscriber channels (that channel
    /// field, for records, wherever it is made, composite literals
    /// included) are made unbuffered and an exported method takes that lock
    /// for writing (`Unsubscribe`), itself or through a call: the
    /// subscribers are outside the package, and one that calls that method
    /// instead of receiving deadlocks with the publisher. Buffered
    /// subscriber channels only postpone this until the buffer is full, so
    /// they are reported when the exported method ends a subscription (it
    /// closes the subscriber channel, or is an `Unsubscribe`, `Stop`,
    /// `Cancel`, `Close`, `Remove`...) — the subscriber that stops reading.
    ///
    /// ## Why is this bad?
    /// An unbuffered send completes only when a receiver is ready (and a
    /// receive only when a sender is). If that receiver first needs the lock
    /// the sender is holding, neither can proceed: the sender waits for the
    /// receiver, the receiver waits for the lock. Every other goroutine that
    /// needs the lock then queues up behind them. Holding a lock across a
    /// hand-off ties the lock's lifetime to another goroutine's schedule;
    /// keep critical sections short and communicate outside them.
    ///
    /// ## Example
    /// ```go
    /// func (p *Pool) Shrink() {
    ///     p.mu.Lock()
    ///     defer p.mu.Unlock()
    ///     p.quit <- struct{}{} // the worker takes p.mu after each job,
    ///     p.workers--          // before it gets back to <-p.quit
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (p *Pool) Shrink() {
    ///     p.mu.Lock()
    ///     p.workers--
    ///     p.mu.Unlock()
    ///     p.quit <- struct{}{} // hand-off without the lock
    /// }
    /// ```
    /// Alternatively make the channel buffered with room for every value
    /// that can be pending, close it instead of sending (close never blocks),
    /// or use a `select` with a `default` case when dropping is acceptable.
    ///
    /// ## Known limitations
    /// Sends are reported only on channels whose every `make` in the package
    /// is unbuffered, receives not on channels known to be buffered (result
    /// slots and semaphores filled under a state protocol) unless the
    /// function polled the channel empty (`select` with `default`) under
    /// the lock it still holds (an idle pool at its limit), and only for
    /// channels of the checked package's own types and variables. A
    /// counterpart that does its side of the channel while holding a lock
    /// of the same field (a token handed over under a per-object lock;
    /// the two objects may differ) does not count, unless on both sides
    /// the lock and an unbuffered channel are fields of the same object
    /// (`q.mu` with `q.out`: the same channel means the same mutex). Nor
    /// does one that does its side inside a callee that also takes that
    /// lock, or a callee that both sends and receives on the channel (a
    /// semaphore helper). Channels handed over
    /// through function values or interfaces are not followed. A `select` is
    /// reported when its other cases can only be cancellation
    /// (`<-ctx.Done()`). Test drivers (in `_test.go` files, everything but
    /// the methods of types declared there) are neither checked nor used as
    /// counterparts.
    pub struct ChannelUnderLock {
        code: "GC204",
        name: "channel-under-lock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Blocking channel operation while holding a lock the counterpart needs",
    }
}

/// Direction of a channel operation as far as pairing is concerned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Send,
    Recv,
    /// `close(ch)`: releases every receiver (only ever a counterpart).
    Close,
}

/// Whether an op in direction `other` completes a blocked op in `dir`.
fn completes(dir: Dir, other: Dir) -> bool {
    matches!(
        (dir, other),
        (Dir::Send, Dir::Recv) | (Dir::Recv, Dir::Send) | (Dir::Recv, Dir::Close)
    )
}

fn dir_of(op: ChanOp) -> Option<Dir> {
    match op {
        ChanOp::Send => Some(Dir::Send),
        ChanOp::Recv | ChanOp::Range => Some(Dir::Recv),
        ChanOp::Close => None,
    }
}

/// A channel operation of a function (direct, or inside a callee) at a
/// point of its CFG.
#[derive(Clone, Debug)]
struct ChanSite<'a> {
    /// The channel as this function names it.
    path: AccessPath,
    func: usize,
    file: FileIdx,
    func_name: &'a str,
    block: BlockId,
    index: usize,
    span: Span,
    dir: Dir,
    desc: PathName,
    /// The op doing it, and whether it is a close done by whoever drops
    /// the last reference (`if atomic.AddInt32(&ts.refs, -1) == 0 {
    /// close(ts.drained) }`): no one goroutine is the closer, so none can be
    /// paired with a waiter. Decided on first use.
    op: &'a Op,
    last_reference: std::cell::OnceCell<bool>,
    /// Done inside a callee, in a loop there (`c.run()` whose `for {
    /// select { case <-c.add: ... } }` serves requests): a lock taken
    /// before the call gates only the loop's start.
    in_callee_loop: bool,
}

/// A lock acquisition of a function (direct, or inside a callee).
#[derive(Clone, Debug)]
struct LockSite {
    /// The lock as this function names it.
    path: AccessPath,
    block: BlockId,
    index: usize,
    span: Span,
    kind: LockKind,
    desc: PathName,
}

/// Channel operations and lock acquisitions of the package, by class.
struct PackageIndex<'a> {
    funcs: Vec<&'a Function>,
    chans: HashMap<LockClass, Vec<ChanSite<'a>>>,
    /// Per function: lock acquisitions by lock class.
    locks: Vec<HashMap<LockClass, Vec<LockSite>>>,
    /// Capacities of every `make` of a channel class (`None`: not constant).
    makes: HashMap<LockClass, Vec<Option<i64>>>,
    in_loop: Vec<std::cell::OnceCell<Vec<bool>>>,
    /// Held locks at block entries, per function (computed on demand).
    held_in: Vec<std::cell::OnceCell<Vec<Option<HeldLocks>>>>,
}

/// Channel operations an op performs now: its own, or its callee's.
fn chan_ops_of(program: &Program, op: &Op) -> Vec<(AccessPath, ChanOp, bool)> {
    if op.mode != Mode::Now {
        return Vec::new();
    }
    match &op.kind {
        OpKind::Chan {
            path: Some(p),
            op: cop,
            select,
            ..
        } => vec![(p.clone(), *cop, select.is_some())],
        OpKind::Call { recv, args, .. } => modelled_callee(program, op)
            .and_then(|c| Some((c, program.summary(c)?)))
            .map(|(c, s)| {
                // A callee that both sends and receives on a channel uses it
                // as a semaphore (`ch <- token; defer func() { <-ch }()`) or
                // completes its own request/response: not a one-sided wait.
                // A close stays a close (`select { case <-q.drained:
                // default: close(q.drained) }`, the idempotent close).
                let both = |u: &goconc_semantic::summary::ChanUse| {
                    dir_of(u.op).is_some()
                        && s.chans.iter().any(|v| {
                            v.path == u.path
                                && dir_of(v.op).is_some()
                                && dir_of(v.op) != dir_of(u.op)
                        })
                };
                s.chans
                    .iter()
                    .filter(|u| !both(u))
                    .filter_map(|u| {
                        program
                            .substitute_field(c, &u.path, recv.as_ref(), args)
                            .map(|q| (q, u.op, u.in_select))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether the close of `path` that `op` performs (itself, or in its
/// callee) runs only when a reference count drops to zero: it sits in the
/// body of an `if` whose condition compares with zero (`if
/// atomic.AddInt32(ts.cnt, -1) == 0 { close(ts.closeCh) }`).
fn closes_on_last_reference(program: &Program, f: &Function, op: &Op, path: &AccessPath) -> bool {
    let (owner, span) = match &op.kind {
        OpKind::Chan {
            op: ChanOp::Close, ..
        } => (f, op.span),
        OpKind::Call { recv, args, .. } => {
            let Some(c) = modelled_callee(program, op) else {
                return false;
            };
            let Some(summary) = program.summary(c) else {
                return false;
            };
            let Some(u) = summary.chans.iter().find(|u| {
                u.op == ChanOp::Close
                    && program
                        .substitute_field(c, &u.path, recv.as_ref(), args)
                        .as_ref()
                        == Some(path)
            }) else {
                return false;
            };
            let Some((owner, span)) = chan_use_origin(program, c, u) else {
                return false;
            };
            (owner, span)
        }
        _ => return false,
    };
    let Some((file, _)) = program.file_of(owner) else {
        return false;
    };
    file.stmts
        .iter()
        .filter_map(|st| match &st.kind {
            goconc_syntax::ast::StmtKind::If { cond, body, .. }
                if body.span.start <= span.start && span.end <= body.span.end =>
            {
                Some((body.span.len(), *cond))
            }
            _ => None,
        })
        .min_by_key(|(len, _)| *len)
        .is_some_and(|(_, cond)| {
            let text: String = file
                .text(file.expr(cond).span)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            text.ends_with("==0") || text.ends_with("<=0") || text.ends_with("<1")
        })
}

/// The function and span of the channel operation behind a summary's
/// channel use of `callee`: a use through a further call (`via`) names
/// that call's span, so follow the calls down (a few levels, matching the
/// operation and the channel's last field) to the operation itself.
fn chan_use_origin<'p>(
    program: &'p Program,
    callee: goconc_semantic::ops::FuncId,
    used: &goconc_semantic::summary::ChanUse,
) -> Option<(&'p Function, Span)> {
    let last_field = |p: &AccessPath| p.fields.last().cloned();
    let mut owner = program.function(callee)?;
    let mut current = used.clone();
    for _ in 0..8 {
        let Some(next) = current.via else {
            return Some((owner, current.span));
        };
        let next_fn = program.function(next)?;
        let deeper = program
            .summary(next)?
            .chans
            .iter()
            .find(|u| u.op == current.op && last_field(&u.path) == last_field(&current.path))?;
        owner = next_fn;
        current = deeper.clone();
    }
    None
}

/// The channel operations a call's callee performs inside a loop of the
/// function that does them (the callee or, through `via`, one of its
/// callees), as the caller names the channels.
fn callee_loop_ops(
    program: &Program,
    op: &Op,
    loops_of: &mut HashMap<goconc_semantic::ops::FuncId, Vec<bool>>,
) -> Vec<(AccessPath, ChanOp)> {
    let OpKind::Call { recv, args, .. } = &op.kind else {
        return Vec::new();
    };
    let Some(c) = modelled_callee(program, op) else {
        return Vec::new();
    };
    let Some(summary) = program.summary(c) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for u in &summary.chans {
        let Some((owner, span)) = chan_use_origin(program, c, u) else {
            continue;
        };
        let looped = owner.indexed_ops().any(|(b, _, o)| {
            o.span == span
                && matches!(o.kind, OpKind::Chan { .. })
                && loops_of
                    .entry(owner.id)
                    .or_insert_with(|| owner.cfg.in_loop())
                    .get(b.index())
                    .copied()
                    .unwrap_or(false)
        });
        if looped {
            if let Some(q) = program.substitute_field(c, &u.path, recv.as_ref(), args) {
                out.push((q, u.op));
            }
        }
    }
    out
}

impl<'a> PackageIndex<'a> {
    /// Whether function `fi` holds a lock of class `lock` just before the
    /// op at (`block`, `index`).
    fn holds_at(
        &self,
        program: &Program,
        fi: usize,
        block: BlockId,
        index: usize,
        lock: &LockClass,
    ) -> bool {
        let Some(&f) = self.funcs.get(fi) else {
            return false;
        };
        let Some(slot) = self.held_in.get(fi) else {
            return false;
        };
        let block_in = slot.get_or_init(|| held_at_blocks(program, f));
        let Some(Some(start)) = block_in.get(block.index()) else {
            return false;
        };
        let mut st = start.clone();
        for (_, op) in f.block_ops(block).iter().take(index) {
            st.step(program, op);
        }
        st.locks
            .keys()
            .any(|(p, _)| lock_class(program, p).as_ref() == Some(lock))
    }

    /// Like [`Self::holds_at`], and the lock and the channel at that op are
    /// fields of the same object (`q.mu` held while using `q.out`).
    fn holds_own_lock_at(&self, program: &Program, site: &ChanSite, lock: &LockClass) -> bool {
        let Some(&f) = self.funcs.get(site.func) else {
            return false;
        };
        let Some(slot) = self.held_in.get(site.func) else {
            return false;
        };
        let block_in = slot.get_or_init(|| held_at_blocks(program, f));
        let Some(Some(start)) = block_in.get(site.block.index()) else {
            return false;
        };
        let mut st = start.clone();
        for (_, op) in f.block_ops(site.block).iter().take(site.index) {
            st.step(program, op);
        }
        st.locks.keys().any(|(p, _)| {
            lock_class(program, p).as_ref() == Some(lock) && same_owner(p, &site.path)
        })
    }

    fn build(ctx: &RuleContext<'a>) -> PackageIndex<'a> {
        let program = ctx.program;
        let funcs = production_functions(ctx).to_vec();
        let mut chans: HashMap<LockClass, Vec<ChanSite<'a>>> = HashMap::default();
        let mut makes: HashMap<LockClass, Vec<Option<i64>>> = HashMap::default();
        let mut locks = Vec::with_capacity(funcs.len());
        let mut loops_of: HashMap<goconc_semantic::ops::FuncId, Vec<bool>> = HashMap::default();
        for (fi, f) in funcs.iter().enumerate() {
            let mut own: HashMap<LockClass, Vec<LockSite>> = HashMap::default();
            for (b, i, op) in f.indexed_ops() {
                if let OpKind::MakeChan {
                    path: Some(p), cap, ..
                } = &op.kind
                {
                    if let Some(class) = lock_class(program, p) {
                        makes.entry(class).or_default().push(*cap);
                    }
                }
                let mut ops = chan_ops_of(program, op);
                let callee_loops = if ops.is_empty() {
                    Vec::new()
                } else {
                    callee_loop_ops(program, op, &mut loops_of)
                };
                // `defer close(done)`: the close happens at the exit.
                let deferred_close = matches!(
                    (&op.kind, op.mode),
                    (
                        OpKind::Chan {
                            path: Some(_),
                            op: ChanOp::Close,
                            ..
                        },
                        Mode::Deferred
                    )
                );
                if let (OpKind::Chan { path: Some(p), .. }, true) = (&op.kind, deferred_close) {
                    ops.push((p.clone(), ChanOp::Close, false));
                }
                for (p, cop, _) in ops {
                    let dir = if cop == ChanOp::Close {
                        Some(Dir::Close)
                    } else {
                        dir_of(cop)
                    };
                    let (Some(dir), Some(class)) = (dir, lock_class(program, &p)) else {
                        continue;
                    };
                    let (block, index) = if deferred_close {
                        deferred_site(f, op)
                    } else {
                        (b, i)
                    };
                    chans.entry(class).or_default().push(ChanSite {
                        path: p.clone(),
                        func: fi,
                        file: FileIdx(f.def.file as usize),
                        func_name: short_func_name(f),
                        block,
                        index,
                        span: op.span,
                        dir,
                        desc: PathName::new(&p),
                        in_callee_loop: callee_loops.contains(&(p.clone(), cop)),
                        op,
                        last_reference: std::cell::OnceCell::new(),
                    });
                }
                for (p, kind, _) in acquisitions(program, op) {
                    if let Some(class) = lock_class(program, &p) {
                        own.entry(class).or_default().push(LockSite {
                            path: p.clone(),
                            block: b,
                            index: i,
                            span: op.span,
                            kind,
                            desc: PathName::new(&p),
                        });
                    }
                }
                // A deferred call that locks (`defer s.removeConn(id)`)
                // runs at the exit, before the defers registered ahead
                // of it (`defer close(c.done)`).
                for (p, kind) in deferred_acquisitions(program, op) {
                    if let Some(class) = lock_class(program, &p) {
                        let (block, index) = deferred_site(f, op);
                        own.entry(class).or_default().push(LockSite {
                            path: p.clone(),
                            block,
                            index,
                            span: op.span,
                            kind,
                            desc: PathName::new(&p),
                        });
                    }
                }
            }
            locks.push(own);
        }
        // Package-level channels made in their declaration (`var events =
        // make(chan string)`), and fields made in a literal that is not
        // stored through a path (`return &T{ch: make(chan X, 1)}`), have no
        // MakeChan op.
        if let Some(model) = ctx.model() {
            for (fi, info) in model.files.iter().enumerate() {
                let Some(file) = model.pkg.file(fi as u32) else {
                    continue;
                };
                for spec in &file.specs {
                    let goconc_syntax::ast::SpecKind::Value { names, values, .. } = &spec.kind
                    else {
                        continue;
                    };
                    if names.len() != values.len() {
                        continue;
                    }
                    for (name, &value) in names.iter().zip(values.iter()) {
                        let Some(cap) = super::unmatched_channel_op::made_channel_capacity(
                            program, file, info, value,
                        ) else {
                            continue;
                        };
                        let Some(idx) = model.pkg.lookup(file.name(*name)) else {
                            continue;
                        };
                        makes
                            .entry(LockClass::Global(goconc_semantic::package::ObjRef {
                                pkg: model.pkg.path.clone(),
                                idx,
                            }))
                            .or_default()
                            .push(cap);
                    }
                }
            }
        }
        for (owner, field, cap) in super::unmatched_channel_op::literal_field_makes(ctx) {
            makes
                .entry(LockClass::Field(owner.clone(), field.clone()))
                .or_default()
                .push(*cap);
        }
        // A channel field handed to a goroutine's parameter (`go
        // c.run(c.stopc, c.donec)` with `defer close(donec)` in `run`): the
        // parameter's operations are the field's too.
        let mut aliases: Vec<(LockClass, LockClass)> = Vec::new();
        for f in &funcs {
            for (_, op) in &f.ops {
                let OpKind::Call {
                    callee: Callee::Func(c),
                    args,
                    ..
                } = &op.kind
                else {
                    continue;
                };
                let Some(callee) = program.function(*c) else {
                    continue;
                };
                for (i, arg) in args.iter().enumerate() {
                    let Some(field @ LockClass::Field(..)) =
                        arg.as_ref().and_then(|a| lock_class(program, a))
                    else {
                        continue;
                    };
                    let Some(param) = super::unmatched_channel_op::param_key(callee, i) else {
                        continue;
                    };
                    if program.local(&param).is_none_or(|l| l.reassigned) {
                        continue;
                    }
                    aliases.push((LockClass::Local(param), field));
                }
            }
        }
        for (param, field) in aliases {
            if let Some(sites) = chans.get(&param).cloned() {
                let entry = chans.entry(field).or_default();
                for site in sites {
                    if !entry
                        .iter()
                        .any(|e| e.func == site.func && e.span == site.span && e.dir == site.dir)
                    {
                        entry.push(site);
                    }
                }
            }
        }
        let in_loop = vec![std::cell::OnceCell::new(); funcs.len()];
        let held_in = vec![std::cell::OnceCell::new(); funcs.len()];
        PackageIndex {
            held_in,
            funcs,
            chans,
            locks,
            makes,
            in_loop,
        }
    }

    /// Every `make` of the channel class has a constant capacity > 0.
    fn is_buffered(&self, class: &LockClass) -> bool {
        self.makes
            .get(class)
            .is_some_and(|caps| !caps.is_empty() && caps.iter().all(|c| c.is_some_and(|n| n > 0)))
    }

    fn is_unbuffered(&self, class: &LockClass) -> bool {
        self.makes
            .get(class)
            .is_some_and(|caps| !caps.is_empty() && caps.iter().all(|c| *c == Some(0)))
    }

    /// Finds a goroutine on the other side of `chan` (opposite direction,
    /// another function) that acquires `lock` (conflicting with `kind`) on
    /// its way to the channel operation, or between two of them in a loop.
    #[allow(clippy::too_many_arguments)]
    fn blocking_counterpart(
        &self,
        program: &Program,
        this_func: usize,
        chan: &LockClass,
        dir: Dir,
        lock: &LockClass,
        kind: LockKind,
        own_lock_here: bool,
        emptied: bool,
        at: (BlockId, usize),
        waiter_paths: (&AccessPath, &AccessPath),
    ) -> Option<(ChanSite<'a>, LockSite)> {
        let sites = self.chans.get(chan)?;
        for c in sites {
            if !completes(dir, c.dir) {
                continue;
            }
            let last_reference = *c.last_reference.get_or_init(|| {
                c.dir == Dir::Close
                    && closes_on_last_reference(program, self.funcs[c.func], c.op, &c.path)
            });
            if last_reference {
                continue;
            }
            // The same function is the counterpart only from another call:
            // the two operations lie on paths that exclude each other (the
            // follower waits on `<-cl.done`, the leader closes its own).
            if c.func == this_func {
                let f = self.funcs[c.func];
                let theirs = (c.block, c.index);
                if reaches(f, at, theirs) || reaches(f, theirs, at) {
                    continue;
                }
            }
            let Some(acqs) = self.locks.get(c.func).and_then(|m| m.get(lock)) else {
                continue;
            };
            // One callee both takes the lock and does the channel operation:
            // it usually does the operation under that lock (a state
            // protocol or a channel used as a mutex decides who goes first),
            // and the order inside the callee is not known here.
            if acqs.iter().any(|a| a.span == c.span) {
                continue;
            }
            // The counterpart does its side while holding the lock itself: the
            // two sides are serialised by the lock, and the value is handed
            // over by whoever holds it (a token protocol), not across it.
            // That needs two mutexes of the same class (per-object fields):
            // a package-level or captured local mutex is one mutex, and two
            // goroutines cannot both hold it across the hand-off.
            // Two fields of one object (`q.mu` and `q.out` on both sides)
            // are one mutex too: the channel is the same, so is its owner.
            // (Only for a channel made unbuffered, or one this side just
            // found empty under the lock: a buffered slot filled and drained
            // under the lock is a protocol that works.)
            if matches!(lock, LockClass::Field(..))
                && self.holds_at(program, c.func, c.block, c.index, lock)
                && !(own_lock_here
                    && (emptied || self.is_unbuffered(chan))
                    && self.holds_own_lock_at(program, c, lock))
            {
                continue;
            }
            let f = self.funcs[c.func];
            let looped = self.in_loop[c.func]
                .get_or_init(|| f.cfg.in_loop())
                .get(c.block.index())
                .copied()
                .unwrap_or(false);
            // A channel used as a semaphore (`<-sem` to acquire, `sem <- x`
            // to release, or the reverse): the goroutine that can complete
            // our operation is one holding a token, so only a lock it takes
            // after its own acquire, on the way to its release, closes the
            // cycle. Waiting for the lock before it takes a token blocks
            // nobody.
            let token_taken: Vec<(BlockId, usize)> = sites
                .iter()
                .filter(|s| s.func == c.func && s.dir == dir)
                .map(|s| (s.block, s.index))
                .filter(|&at| reaches(f, at, (c.block, c.index)))
                .collect();
            let acqs_all = acqs;
            for a in acqs {
                // Read locks do not exclude each other.
                if kind == LockKind::Read && a.kind == LockKind::Read {
                    continue;
                }
                if other_instance(waiter_paths, (&c.path, &a.path)) {
                    continue;
                }
                if !token_taken.is_empty()
                    && !token_taken
                        .iter()
                        .any(|&at| reaches(f, at, (a.block, a.index)))
                {
                    continue;
                }
                let before =
                    reaches(f, (a.block, a.index), (c.block, c.index)) && !c.in_callee_loop;
                // A lock taken at the exit (a deferred call) comes after the
                // loop, not between two of its turns.
                let after = looped
                    && a.block != f.cfg.exit
                    && reaches(f, (c.block, c.index), (a.block, a.index));
                if before || after {
                    // Name the acquisition nearest before the operation
                    // (the relock after a slow call, not the entry lock).
                    let nearest = acqs_all
                        .iter()
                        .filter(|b| {
                            b.span.start > a.span.start
                                && b.span.start < c.span.start
                                && b.kind == a.kind
                                && reaches(f, (a.block, a.index), (b.block, b.index))
                                && reaches(f, (b.block, b.index), (c.block, c.index))
                        })
                        .max_by_key(|b| b.span.start);
                    return Some((c.clone(), nearest.unwrap_or(a).clone()));
                }
            }
        }
        None
    }
}

/// A publisher's plain send to one of its subscribers' channels while it
/// holds the lock that guards the subscriber set: `for _, ch := range
/// b.subs { ch <- msg }` (or `s.ch <- msg` for a subscription record `s`)
/// under `b.mu`, where the subscriber channels are
/// made unbuffered and an exported method takes `b.mu` for writing
/// (`Unsubscribe`). A subscriber that calls that method instead of
/// receiving waits for the lock, and the publisher waits for it.
fn subscriber_send(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    op: &Op,
    chan: &AccessPath,
    held: &HeldLocks,
) -> Option<Finding> {
    let program = ctx.program;
    let Base::Local(k) = &chan.base else {
        return None;
    };
    // The subscriber's channel itself (`ch <- msg`), or its channel field
    // (`s.ch <- msg` for `s` a subscription record).
    if chan.fields.len() > 1 {
        return None;
    }
    let (ast, info) = program.file_of(f)?;
    let local = program.local(k)?;
    if local.reassigned {
        return None;
    }
    // The channel is an element of a collection field: the value of a
    // range over it, or an index into it.
    let source = ast
        .stmts
        .iter()
        .find_map(|stmt| match &stmt.kind {
            goconc_syntax::ast::StmtKind::Range {
                value: Some(v), x, ..
            } if ast.expr(*v).span == local.span => Some(*x),
            _ => None,
        })
        .or_else(|| {
            local
                .init
                .and_then(|i| match &ast.expr(ast.unparen(i)).kind {
                    goconc_syntax::ast::ExprKind::Index { x, .. } => Some(*x),
                    _ => None,
                })
        })?;
    let mut source = ast.unparen(source);
    // Subscribers grouped by topic: `range b.subs[topic]`.
    if let goconc_syntax::ast::ExprKind::Index { x, .. } = &ast.expr(source).kind {
        source = ast.unparen(*x);
    }
    let goconc_syntax::ast::ExprKind::Selector { x: owner_expr, .. } = &ast.expr(source).kind
    else {
        return None;
    };
    let goconc_semantic::body::Res::Local(owner) = info.res(ast.unparen(*owner_expr)) else {
        return None;
    };
    let chan_ty = program.path_type(chan);
    if !matches!(program.underlying(&chan_ty), Type::Chan(..)) {
        return None;
    }
    // The held lock is a field of the same owner.
    let (lock, _) = held.locks.keys().find(|(p, _)| {
        p.fields.len() == 1
            && matches!(&p.base, Base::Local(l) if l.local == *owner && l.file == k.file && l.pkg == k.pkg)
    })?;
    let lock_class_of = lock_class(program, lock)?;
    // Subscriber channels are made unbuffered, everywhere in the package.
    // Channel fields made in composite literals
    // (`&subscription{ch: make(chan T)}`) have no make op of their own.
    // For a channel field, only the makes of that field count.
    let field = if chan.fields.is_empty() {
        None
    } else {
        Some(program.field_owner(chan)?)
    };
    let literal_makes: Vec<Option<i64>> = match &field {
        None => Vec::new(),
        Some((owner, name)) => super::unmatched_channel_op::literal_field_makes(ctx)
            .iter()
            .filter(|(o, f, _)| o.strip_pointer() == owner.strip_pointer() && f == name)
            .map(|(_, _, cap)| *cap)
            .collect(),
    };
    let mut makes = ctx
        .functions()
        .flat_map(|g| g.all_ops())
        .filter_map(|(_, _, o)| match &o.kind {
            OpKind::MakeChan { cap, ty, path } => {
                let same = match &field {
                    None => program.underlying(ty) == program.underlying(&chan_ty),
                    Some(f) => path
                        .as_ref()
                        .and_then(|p| program.field_owner(p))
                        .is_some_and(|(o, n)| o.strip_pointer() == f.0.strip_pointer() && n == f.1),
                };
                same.then_some(*cap)
            }
            _ => None,
        })
        .chain(literal_makes)
        .peekable();
    makes.peek()?;
    // A buffer only postpones the block: a subscriber that stopped
    // receiving lets it fill, whatever its size. With buffered channels,
    // though, only a subscriber that is on its way out (an unsubscribe
    // that closes its channel or is named for it) is one that stops
    // receiving and then takes the lock.
    let unbuffered = makes.all(|c| c == Some(0));
    let chan_class = lock_class(program, chan);
    let ends_subscription = |g: &Function| {
        let name = short_func_name(g).rsplit('.').next().unwrap_or_default();
        [
            "Unsubscribe",
            "Unwatch",
            "Remove",
            "Cancel",
            "Close",
            "Stop",
            "Leave",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || program.summary(g.id).is_some_and(|s| {
                s.chans.iter().any(|c| {
                    c.op == ChanOp::Close
                        && chan_class.is_some()
                        && lock_class(program, &c.path) == chan_class
                })
            })
    };
    // An exported method takes the lock for writing, itself or through a
    // call (`Subscription.Unsubscribe` calling `b.unsubscribe`).
    let writers: Vec<&Function> = production_functions(ctx)
        .iter()
        .copied()
        .filter(|g| {
            (unbuffered || ends_subscription(g))
                && is_exported_method(g)
                && g.id != f.id
                && (g.all_ops().any(|(_, _, o)| {
                    o.mode == Mode::Now
                        && matches!(&o.kind, OpKind::Lock { path: Some(p), op: LockOp::Lock }
                        if lock_class(program, p).as_ref() == Some(&lock_class_of))
                }) || program.summary(g.id).is_some_and(|s| {
                    s.acquires.iter().any(|a| {
                        a.via.is_some_and(|via| via != f.id)
                            && a.kind == LockKind::Write
                            && lock_class(program, &a.path).as_ref() == Some(&lock_class_of)
                    })
                }))
        })
        .collect();
    // Name the writer a leaving subscriber calls (`Unsubscribe`) when there
    // is one.
    let writer = *writers
        .iter()
        .find(|g| ends_subscription(g))
        .or_else(|| writers.first())?;
    let lock_name = display_path(ctx, lock);
    let writer_name = short_func_name(writer).to_string();
    let lock_span = held
        .locks
        .iter()
        .find(|((p, _), _)| p == lock)
        .map(|(_, s)| *s)?;
    Some(
        Finding::new(
            ChannelUnderLock::META.code,
            file,
            op.span,
            format!(
                "blocking send to a subscriber channel while holding {lock_name}: a subscriber that calls {writer_name} (which takes {lock_name}) instead of receiving waits for the lock while this send waits for it"
            ),
        )
        .related(file, lock_span, format!("{lock_name} is acquired here"))
        .related(
            FileIdx(writer.def.file as usize),
            writer.def.span,
            format!("{writer_name} takes {lock_name} for writing"),
        )
        .suggest(format!(
            "copy the subscriber channels under {lock_name}, release it, then send; or send in a select with a default or a timeout (drop or buffer for slow subscribers)"
        )),
    )
}

/// A declared method with an exported name: code outside the package
/// (a subscriber, a consumer) can call it.
fn is_exported_method(g: &Function) -> bool {
    g.def.parent.is_none()
        && g.def.recv.is_some()
        && short_func_name(g)
            .rsplit('.')
            .next()
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// A send under a write lock on an unbuffered channel field that only
/// code outside the package receives from — handed out by a receive-only
/// accessor (`Evictions() <-chan string`) — while an exported method of the
/// package takes that lock (`Len` with `c.mu.RLock()`): a consumer that
/// calls it between two receives waits for the lock the sender holds.
fn handed_out_send(
    ctx: &RuleContext<'_>,
    index: &PackageIndex<'_>,
    f: &Function,
    file: FileIdx,
    op: &Op,
    chan: &AccessPath,
    held: &HeldLocks,
) -> Option<Finding> {
    let program = ctx.program;
    let class = lock_class(program, chan)?;
    if !matches!(class, LockClass::Field(..)) || !index.is_unbuffered(&class) {
        return None;
    }
    // Nothing in the package receives from it.
    if index
        .chans
        .get(&class)
        .is_some_and(|sites| sites.iter().any(|s| s.dir != Dir::Send))
    {
        return None;
    }
    let key = super::unmatched_channel_op::chan_key(program, chan)?;
    let wanted: rustc_hash::FxHashSet<_> = std::iter::once(key.clone()).collect();
    let escapes = super::unmatched_channel_op::Escapes::compute(ctx, &wanted);
    if !escapes.escapes(&key) || escapes.closable_outside(&key) {
        return None;
    }
    for ((h, kind), span) in &held.locks {
        if *kind != LockKind::Write {
            continue;
        }
        let Some(lock) = lock_class(program, h) else {
            continue;
        };
        let taker = production_functions(ctx).iter().copied().find(|g| {
            g.id != f.id
                && is_exported_method(g)
                && program.summary(g.id).is_some_and(|s| {
                    s.acquires
                        .iter()
                        .any(|a| lock_class(program, &a.path).as_ref() == Some(&lock))
                })
        });
        let Some(taker) = taker else {
            continue;
        };
        let chan_name = display_path(ctx, chan);
        let lock_name = display_path(ctx, h);
        let taker_name = short_func_name(taker);
        return Some(
            Finding::new(
                "GC204",
                file,
                op.span,
                format!(
                    "blocking send on {chan_name} while holding {lock_name}: only code outside the package receives from it, and a consumer that calls {taker_name} (which takes {lock_name}) before its next receive waits for the lock this send holds"
                ),
            )
            .related(file, *span, format!("{lock_name} is acquired here"))
            .related(
                FileIdx(taker.def.file as usize),
                taker.def.span,
                format!("{taker_name} takes {lock_name}"),
            )
            .suggest(format!(
                "collect what to send under {lock_name} and send after releasing it, or give {chan_name} a buffer and drop (select with default) when it is full"
            )),
        );
    }
    None
}

/// A send on a local unbuffered channel handed to a goroutine this
/// function starts (`go p.managePod(ch)`), while holding a lock that the
/// goroutine's receive loop takes between two receives (`for u := range ch
/// { ...; p.completeWork(u) }` where `completeWork` locks `p.mu`): from the
/// second send on, the sender waits for the receiver, which waits for the
/// lock. The channel may also come back from a map field on later calls
/// (`ch, ok := p.updates[uid]`), the per-key worker pattern.
fn spawned_receiver_needs_lock(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    op: &Op,
    chan: &AccessPath,
    held: &HeldLocks,
) -> Option<Finding> {
    let program = ctx.program;
    if !chan.fields.is_empty() || !matches!(chan.base, Base::Local(_)) {
        return None;
    }
    // Unbuffered wherever this function makes it.
    let makes: Vec<Option<i64>> = f
        .all_ops()
        .filter_map(|(_, _, o)| match &o.kind {
            OpKind::MakeChan {
                path: Some(p), cap, ..
            } if p == chan => Some(*cap),
            _ => None,
        })
        .collect();
    if makes.is_empty() || makes.iter().any(|c| *c != Some(0)) {
        return None;
    }
    let in_loop = f.cfg.in_loop();
    let spawned = super::abandoned_channel::spawned_users(program, f, chan, &in_loop);
    for s in &spawned {
        let g = s.target;
        let g_in_loop = g.cfg.in_loop();
        let receives: Vec<BlockId> = g
            .all_ops()
            .filter_map(|(b, _, o)| match &o.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: ChanOp::Recv | ChanOp::Range,
                    ..
                } if *p == s.path => Some(b),
                _ => None,
            })
            .collect();
        if receives.is_empty()
            || receives
                .iter()
                .any(|b| !g_in_loop.get(b.index()).copied().unwrap_or(false))
        {
            continue;
        }
        let loop_blocks: rustc_hash::FxHashSet<BlockId> = receives
            .iter()
            .flat_map(|&b| super::unmatched_channel_op::loop_blocks(g, b))
            .collect();
        // A lock of a held class taken inside the receive loop.
        let taken = g.all_ops().find_map(|(b, _, o)| {
            if !loop_blocks.contains(&b) || o.mode != Mode::Now {
                return None;
            }
            let paths: Vec<AccessPath> = match &o.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: LockOp::Lock | LockOp::RLock,
                } => vec![p.clone()],
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } => program
                    .summary(*c)?
                    .acquires
                    .iter()
                    .filter_map(|a| program.substitute(*c, &a.path, recv.as_ref(), args))
                    .collect(),
                _ => Vec::new(),
            };
            paths.into_iter().find_map(|p| {
                let class = lock_class(program, &p)?;
                held.locks
                    .iter()
                    .find(|((h, _), _)| lock_class(program, h).as_ref() == Some(&class))
                    .map(|((h, _), span)| (h.clone(), *span, o.span))
            })
        });
        let Some((lock, lock_span, taken_at)) = taken else {
            continue;
        };
        let lock_name = display_path(ctx, &lock);
        let chan_name = program.describe_path(chan);
        let g_name = short_func_name(g).to_string();
        return Some(
            Finding::new(
                ChannelUnderLock::META.code,
                file,
                op.span,
                format!(
                    "blocking send on {chan_name} while holding {lock_name}: the goroutine receiving it ({g_name}) takes {lock_name} before it receives again, so from the second value on each waits for the other"
                ),
            )
            .related(file, lock_span, format!("{lock_name} is acquired here"))
            .related(file, s.span, "the receiving goroutine is started here")
            .related(
                FileIdx(g.def.file as usize),
                taken_at,
                format!("{g_name} takes {lock_name} here, between two receives"),
            )
            .suggest(format!(
                "send after releasing {lock_name} (look the channel up under the lock, send outside it), or give {chan_name} a buffer and never block while holding the lock"
            )),
        );
    }
    None
}

/// Whether the op at `to` can run after the op at `from` in `f`.
/// Where a deferred op runs: at the exit, defers registered later (further
/// down the source) first.
fn deferred_site(f: &Function, op: &Op) -> (BlockId, usize) {
    (
        f.cfg.exit,
        (u32::MAX - op.span.start.min(u32::MAX - 1)) as usize,
    )
}

fn reaches(f: &Function, from: (BlockId, usize), to: (BlockId, usize)) -> bool {
    if from.0 == to.0 && from.1 < to.1 {
        return true;
    }
    let mut seen = vec![false; f.cfg.blocks.len()];
    let mut stack: Vec<BlockId> = f.cfg.block(from.0).succs.to_vec();
    while let Some(b) = stack.pop() {
        if b == to.0 {
            return true;
        }
        let Some(s) = seen.get_mut(b.index()) else {
            continue;
        };
        if *s {
            continue;
        }
        *s = true;
        stack.extend(f.cfg.block(b).succs.iter().copied());
    }
    false
}

/// A blocking channel operation found to wait for a goroutine that needs a
/// held lock.
/// A select with a default case that polled channels while locks were
/// held: (statement, position, held locks).
type Poll = (StmtId, (BlockId, usize), Vec<(AccessPath, LockKind)>);

struct Blocked<'a> {
    chan: String,
    dir: Dir,
    held: String,
    held_span: Span,
    counterpart: ChanSite<'a>,
    counterpart_lock: LockSite,
    /// The receive follows a poll under the lock that found the buffer empty.
    emptied: bool,
}

impl Rule for ChannelUnderLock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let mut index: Option<PackageIndex<'_>> = None;
        let funcs = production_functions(ctx);
        for (fi, f) in funcs.iter().enumerate() {
            if !may_hold_locks(program, f) {
                continue;
            }
            let index = index.get_or_insert_with(|| PackageIndex::build(ctx));
            let file = FileIdx(f.def.file as usize);
            // Channel ops of each select statement, to judge the select.
            let mut select_cases: HashMap<StmtId, Vec<&Op>> = HashMap::default();
            let mut ctx_spans: Vec<Span> = Vec::new();
            for (_, op) in &f.ops {
                match &op.kind {
                    OpKind::Chan {
                        select: Some(s), ..
                    } => select_cases.entry(*s).or_default().push(op),
                    OpKind::CtxObserve { .. } => ctx_spans.push(op.span),
                    _ => {}
                }
            }
            let mut found: Vec<Finding> = Vec::new();
            // Selects with a default that polled a channel while locks were
            // held: (statement, position, held locks).
            let mut polls: Vec<Poll> = Vec::new();
            for_each_op_with_held(program, f, |block, index_in_block, op, held| {
                if held.locks.is_empty() || op.mode != Mode::Now {
                    return;
                }
                match &op.kind {
                    OpKind::Select {
                        stmt,
                        has_default: true,
                        ..
                    } => polls.push((
                        *stmt,
                        (block, index_in_block),
                        held.locks.keys().cloned().collect(),
                    )),
                    OpKind::Chan {
                        path: Some(p),
                        op: cop,
                        select: None,
                        ..
                    } => {
                        // `select { case c := <-p.idle: ...; default: }` under
                        // the lock found the buffer empty; with the lock
                        // still held, senders that need it cannot refill it.
                        let emptied = *cop == ChanOp::Recv
                            && polls.iter().any(|(stmt, at, locks)| {
                                select_cases.get(stmt).is_some_and(|cases| {
                                    cases.iter().any(|c| {
                                        matches!(&c.kind, OpKind::Chan { path: Some(q), op: ChanOp::Recv, .. } if q == p)
                                    })
                                }) && locks.iter().any(|l| held.locks.contains_key(l))
                                    && super::waitgroup_misuse::flow::dominates(
                                        f,
                                        *at,
                                        (block, index_in_block),
                                    )
                            });
                        if let Some(b) = blocked(
                            ctx,
                            index,
                            fi,
                            p,
                            *cop,
                            held,
                            emptied,
                            (block, index_in_block),
                        ) {
                            found.push(report(ctx, file, op.span, &b, false));
                        } else if *cop == ChanOp::Send {
                            if let Some(finding) = subscriber_send(ctx, f, file, op, p, held) {
                                found.push(finding);
                            } else if let Some(finding) =
                                spawned_receiver_needs_lock(ctx, f, file, op, p, held)
                            {
                                found.push(finding);
                            } else if let Some(finding) =
                                handed_out_send(ctx, index, f, file, op, p, held)
                            {
                                found.push(finding);
                            }
                        }
                    }
                    OpKind::Select {
                        stmt,
                        has_default: false,
                        ..
                    } => {
                        let cases = select_cases.get(stmt).map(Vec::as_slice).unwrap_or(&[]);
                        let mut hit = None;
                        let mut rescued = false;
                        for case in cases {
                            let OpKind::Chan { path, op: cop, .. } = &case.kind else {
                                continue;
                            };
                            let b = path.as_ref().and_then(|p| {
                                blocked(
                                    ctx,
                                    index,
                                    fi,
                                    p,
                                    *cop,
                                    held,
                                    false,
                                    (block, index_in_block),
                                )
                            });
                            match b {
                                Some(b) => {
                                    hit.get_or_insert(b);
                                }
                                None => {
                                    // `<-ctx.Done()` only fires on cancellation;
                                    // any other case may let the select proceed.
                                    let cancel = path.is_none()
                                        && case.expr.is_some_and(|e| {
                                            program
                                                .file_of(f)
                                                .map(|(file, _)| file.expr(e).span)
                                                .is_some_and(|s| ctx_spans.contains(&s))
                                        });
                                    if !cancel {
                                        rescued = true;
                                    }
                                }
                            }
                        }
                        if let (Some(b), false) = (hit, rescued) {
                            found.push(report(ctx, file, op.span, &b, true));
                        }
                    }
                    OpKind::Call {
                        callee: Callee::Func(c),
                        ..
                    } => {
                        let releases = program.summary(*c).map(|s| &s.net_released);
                        for (p, cop, in_select) in chan_ops_of(program, op) {
                            if in_select {
                                continue;
                            }
                            // A callee that releases the lock first does not block under it.
                            let mut held_here = held.clone();
                            if let Some(rel) = releases {
                                for (rp, rk) in rel {
                                    if let Some(q) =
                                        program.substitute(*c, rp, call_recv(op), call_args(op))
                                    {
                                        held_here.locks.remove(&(q, *rk));
                                    }
                                }
                            }
                            if let Some(b) = blocked(
                                ctx,
                                index,
                                fi,
                                &p,
                                cop,
                                &held_here,
                                false,
                                (block, index_in_block),
                            ) {
                                found.push(report(ctx, file, op.span, &b, false));
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            });
            for finding in found {
                if !findings
                    .iter()
                    .any(|x| x.span == finding.span && x.message == finding.message)
                {
                    findings.push(finding);
                }
            }
        }
    }
}

fn call_recv(op: &Op) -> Option<&AccessPath> {
    match &op.kind {
        OpKind::Call { recv, .. } => recv.as_ref(),
        _ => None,
    }
}

fn call_args(op: &Op) -> &[Option<AccessPath>] {
    match &op.kind {
        OpKind::Call { args, .. } => args,
        _ => &[],
    }
}

/// Whether a channel op on `path` (at `at` in the function) blocks under
/// one of the `held` locks.
#[allow(clippy::too_many_arguments)]
fn blocked<'a>(
    ctx: &RuleContext<'_>,
    index: &PackageIndex<'a>,
    func: usize,
    path: &AccessPath,
    op: ChanOp,
    held: &HeldLocks,
    emptied: bool,
    at: (BlockId, usize),
) -> Option<Blocked<'a>> {
    let program = ctx.program;
    let dir = dir_of(op)?;
    let chan = lock_class(program, path)?;
    // A send on a buffered channel completes while there is room; only
    // channels known to be unbuffered everywhere are reported.
    if dir == Dir::Send && !index.is_unbuffered(&chan) {
        return None;
    }
    // A receive from a buffered channel (a result slot, a channel used as a
    // semaphore) is usually preceded by a send that a state flag guards;
    // unless the function just found it empty under the lock it holds.
    if dir == Dir::Recv && index.is_buffered(&chan) && !emptied {
        return None;
    }
    if !owned_by_package(ctx, &chan) {
        return None;
    }
    for ((h, kind), span) in &held.locks {
        let Some(lock) = lock_class(program, h) else {
            continue;
        };
        if let Some((counterpart, counterpart_lock)) = index.blocking_counterpart(
            program,
            func,
            &chan,
            dir,
            &lock,
            *kind,
            same_owner(h, path),
            emptied,
            at,
            (path, h),
        ) {
            return Some(Blocked {
                chan: display_path(ctx, path),
                dir,
                held: display_path(ctx, h),
                held_span: *span,
                counterpart,
                counterpart_lock,
                emptied,
            });
        }
    }
    None
}

/// The waiter holds the lock of the very object whose channel it waits on
/// (`nbs.mu` and `nbs.tables.closeCh`), but the counterpart takes that
/// lock on one object and does its side of the channel on another of the
/// same type (`gcs.oldGen.mu`, `gcs.newGen.tables.closeCh`): it does not
/// need the lock the waiter holds.
fn other_instance(
    (waiter_chan, waiter_lock): (&AccessPath, &AccessPath),
    (their_chan, their_lock): (&AccessPath, &AccessPath),
) -> bool {
    if waiter_chan.base != waiter_lock.base || their_chan.base != their_lock.base {
        return false;
    }
    let common = waiter_chan
        .fields
        .iter()
        .zip(waiter_lock.fields.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let (chan_tail, lock_tail) = (&waiter_chan.fields[common..], &waiter_lock.fields[common..]);
    match (
        their_chan.fields.strip_suffix(chan_tail),
        their_lock.fields.strip_suffix(lock_tail),
    ) {
        (Some(chan_owner), Some(lock_owner)) => chan_owner != lock_owner,
        _ => false,
    }
}

/// Whether two field paths are fields of the same object: the same base
/// and the same fields up to the last one (`q.mu` and `q.out`).
fn same_owner(a: &AccessPath, b: &AccessPath) -> bool {
    match (a.fields.split_last(), b.fields.split_last()) {
        (Some((_, pa)), Some((_, pb))) => a.base == b.base && pa == pb,
        _ => false,
    }
}

/// Whether a channel class belongs to the checked package (a field of one
/// of its types, one of its variables, or a local): channels of other
/// packages are only seen through their summaries, too coarsely to pair.
fn owned_by_package(ctx: &RuleContext<'_>, class: &LockClass) -> bool {
    let Some(model) = ctx.model() else {
        return false;
    };
    match class {
        LockClass::Local(_) => true,
        LockClass::Global(r) => r.pkg == model.pkg.path,
        LockClass::Field(ty, _) => match ty {
            Type::Named(n) => n.pkg == model.pkg.path,
            _ => false,
        },
    }
}

fn report(ctx: &RuleContext<'_>, file: FileIdx, span: Span, b: &Blocked, select: bool) -> Finding {
    let (what, other) = match b.dir {
        Dir::Send => (format!("blocking send on {}", b.chan), "receiver"),
        Dir::Recv | Dir::Close => (format!("blocking receive from {}", b.chan), "sender"),
    };
    let other = match b.counterpart.dir {
        Dir::Close => "closer",
        _ => other,
    };
    let message = if select {
        format!(
            "select without default ({}) while holding {}",
            what.trim_start_matches("blocking "),
            b.held
        )
    } else {
        format!("{what} while holding {}", b.held)
    };
    let counterpart_file = b.counterpart.file;
    let mut finding = Finding::new("GC204", file, span, message);
    // Locks held since function entry (released by this helper for its
    // caller) have no acquisition site here.
    if b.held_span != Span::default() {
        finding = finding.related(file, b.held_span, format!("{} is acquired here", b.held));
    }
    finding
        .related(
            counterpart_file,
            b.counterpart_lock.span,
            format!(
                "the {other} ({}) acquires {} here, so it cannot reach its side of the channel",
                b.counterpart.func_name,
                b.counterpart_lock.desc.get(ctx)
            ),
        )
        .related(
            counterpart_file,
            b.counterpart.span,
            format!(
                "the {other}'s side of {} is here",
                b.counterpart.desc.get(ctx)
            ),
        )
        .suggest(if b.emptied {
            format!(
                "the buffer was just found empty while {} is held, and only holders of {} refill it: \
                 release {} before waiting (unlock, receive, lock again and re-check), \
                 or wait on a sync.Cond tied to {}",
                b.held, b.held, b.held, b.held
            )
        } else {
            format!(
                "release {} before the channel operation (copy what you need under the lock), \
                 or make {} buffered / use close or a select with default so it cannot block",
                b.held, b.chan
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&ChannelUnderLock);
    }
}
