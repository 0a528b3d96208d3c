//! Irregular history for `server bench`: the shape real directories have. Groups form a tree
//! of varying depth and fan-out; afterwards each group and user changes at its own random
//! instants (renames, moves, deletions and recoveries of groups; edits of users), many
//! changes per operation. Written through the temporal engine like `bench.rs`'s fixtures,
//! without validation, audit lines or snapshots.
use super::bench::person;
use super::identity::{group_fields, user_fields};
use super::temporal::{begin_op, close_current, insert_version, new_object, Author, Table};
use super::{Result, Store};
use crate::model::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The deepest level the irregular tree reaches (a root is level 1).
const DEEPEST: usize = 12;
/// Groups the other fixtures rely on (the users' primary group, the rich user's groups):
/// never deleted or moved.
const KEPT: usize = 5;
/// Changes per operation and operations per transaction.
const PER_OP: usize = 40;
const OPS_PER_TX: usize = 25;

/// What the random history wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IrregularHistory {
    pub renames: usize,
    pub moves: usize,
    pub deletions: usize,
    pub recoveries: usize,
    pub user_edits: usize,
    pub operations: usize,
}

/// The in-memory picture of the tree the generator keeps so that every change is one the
/// console would accept: no cycles, no deeper than `DEEPEST`, only empty groups deleted.
struct Tree {
    parent: Vec<Option<usize>>,
    depth: Vec<usize>,
    live: Vec<bool>,
    live_children: Vec<usize>,
    revision: Vec<u32>,
}

impl Tree {
    fn input(&self, i: usize, ids: &[GroupId]) -> GroupInput {
        GroupInput {
            name: format!("Group {i} rev {}", self.revision[i]),
            description: format!("benchmark group {i}"),
            parent: self.parent[i].map(|p| ids[p]),
            group_type: "organisation".into(),
            ..Default::default()
        }
    }
}

enum Change {
    Group(usize),
    User(usize),
}

impl Store {
    /// `count` groups created at `at` in an irregular tree: a few roots, each later group
    /// under a random earlier one (so fan-out and depth vary, as in real organisations),
    /// never deeper than twelve levels.
    pub async fn bench_irregular_tree(
        &self,
        count: usize,
        at: i64,
        seed: u64,
    ) -> Result<(Vec<GroupId>, Vec<Option<usize>>)> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut parent: Vec<Option<usize>> = Vec::with_capacity(count);
        let mut depth: Vec<usize> = Vec::with_capacity(count);
        for i in 0..count {
            if i < 3 {
                parent.push(None);
                depth.push(1);
                continue;
            }
            // Half the time under one of the last groups made (long chains), otherwise
            // anywhere (wide levels near the top).
            let mut p = if rng.gen_bool(0.5) {
                rng.gen_range(i.saturating_sub(20)..i)
            } else {
                rng.gen_range(0..i)
            };
            while depth[p] >= DEEPEST {
                p = parent[p].unwrap_or(0);
            }
            parent.push(Some(p));
            depth.push(depth[p] + 1);
        }
        let mut ids: Vec<GroupId> = Vec::with_capacity(count);
        for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
            let mut tx = self.begin_identity_write().await?;
            let op = begin_op(&mut tx, &Author::named("bench").at(at), "group.import", "").await?;
            for &i in chunk {
                let input = GroupInput {
                    name: format!("Group {i} rev 0"),
                    description: format!("benchmark group {i}"),
                    parent: parent[i].map(|p| ids[p]),
                    group_type: "organisation".into(),
                    ..Default::default()
                };
                let id = new_object(&mut tx, Table::Groups).await?;
                insert_version(&mut tx, &op, Table::Groups, id, &group_fields(&input)).await?;
                ids.push(GroupId(id));
            }
            tx.commit().await?;
        }
        Ok((ids, parent))
    }

    /// `group_changes` changes of groups and `user_edits` edits of `users` (made by
    /// `bench_users`, in its order) at random instants in `(from, to)`, each on a random
    /// object: renames (60 %), moves to another group at the same level (20 %), deletions of
    /// empty groups (10 %) and recoveries of deleted ones (10 %).
    #[allow(clippy::too_many_arguments)]
    pub async fn bench_irregular_history(
        &self,
        groups: &[GroupId],
        parents: &[Option<usize>],
        users: &[UserId],
        group_changes: usize,
        user_edits: usize,
        (from, to): (i64, i64),
        seed: u64,
    ) -> Result<IrregularHistory> {
        let mut rng = StdRng::seed_from_u64(seed);
        let count = groups.len();
        let mut depth = vec![1usize; count];
        let mut live_children = vec![0usize; count];
        for i in 0..count {
            if let Some(p) = parents[i] {
                depth[i] = depth[p] + 1;
                live_children[p] += 1;
            }
        }
        let mut tree = Tree {
            parent: parents.to_vec(),
            depth,
            live: vec![true; count],
            live_children,
            revision: vec![0; count],
        };
        // Groups per level, by index, so a move finds a parent at the same level quickly.
        let mut levels: Vec<Vec<usize>> = vec![Vec::new(); DEEPEST + 1];
        for i in 0..count {
            levels[tree.depth[i]].push(i);
        }
        let mut changes: Vec<Change> = (0..group_changes)
            .map(|_| Change::Group(rng.gen_range(0..count)))
            .collect();
        changes.extend((0..user_edits).map(|_| Change::User(rng.gen_range(0..users.len().max(1)))));
        // Random order, random instants: every object changes when it happens to.
        for i in (1..changes.len()).rev() {
            changes.swap(i, rng.gen_range(0..=i));
        }
        let ops = changes.len().div_ceil(PER_OP).max(1);
        let mut instants: Vec<i64> = (0..ops).map(|_| rng.gen_range(from + 1..to)).collect();
        instants.sort_unstable();
        let mut deleted: Vec<usize> = Vec::new();
        let mut report = IrregularHistory::default();
        let mut edits = vec![0u32; users.len()];
        for (tx_ops, tx_changes) in instants
            .chunks(OPS_PER_TX)
            .zip(changes.chunks(PER_OP * OPS_PER_TX))
        {
            let mut tx = self.begin_identity_write().await?;
            for (&at, op_changes) in tx_ops.iter().zip(tx_changes.chunks(PER_OP)) {
                let op =
                    begin_op(&mut tx, &Author::named("bench").at(at), "bench.history", "").await?;
                report.operations += 1;
                for change in op_changes {
                    let i = match *change {
                        Change::User(k) => {
                            let Some(&user) = users.get(k) else { continue };
                            edits[k] += 1;
                            let mut input = person(k as i64, groups[0]);
                            input.mail_server = "mx1".into();
                            input.comments = format!("edit {}", edits[k]);
                            close_current(&mut tx, &op, Table::Users, user.0).await?;
                            insert_version(
                                &mut tx,
                                &op,
                                Table::Users,
                                user.0,
                                &user_fields(&input),
                            )
                            .await?;
                            report.user_edits += 1;
                            continue;
                        }
                        Change::Group(i) => i,
                    };
                    let roll = rng.gen_range(0..10);
                    let movable = i >= KEPT && tree.live[i] && tree.parent[i].is_some();
                    if roll == 9 && !deleted.is_empty() {
                        // Recover a deleted group whose parent is there.
                        let at = rng.gen_range(0..deleted.len());
                        let g = deleted[at];
                        if tree.parent[g].is_none_or(|p| tree.live[p]) {
                            deleted.swap_remove(at);
                            tree.live[g] = true;
                            if let Some(p) = tree.parent[g] {
                                tree.live_children[p] += 1;
                            }
                            tree.revision[g] += 1;
                            let fields = group_fields(&tree.input(g, groups));
                            insert_version(&mut tx, &op, Table::Groups, groups[g].0, &fields)
                                .await?;
                            report.recoveries += 1;
                            continue;
                        }
                    }
                    if roll == 8 && movable && tree.live_children[i] == 0 {
                        tree.live[i] = false;
                        if let Some(p) = tree.parent[i] {
                            tree.live_children[p] -= 1;
                        }
                        deleted.push(i);
                        close_current(&mut tx, &op, Table::Groups, groups[i].0).await?;
                        report.deletions += 1;
                        continue;
                    }
                    if !tree.live[i] {
                        continue;
                    }
                    if (6..8).contains(&roll) && movable {
                        // A sideways move keeps the depth of the whole subtree; a parent
                        // with a smaller index can never be inside it.
                        let level = &levels[tree.depth[i] - 1];
                        let p = level[rng.gen_range(0..level.len())];
                        if p < i && tree.live[p] && Some(p) != tree.parent[i] {
                            if let Some(old) = tree.parent[i] {
                                tree.live_children[old] -= 1;
                            }
                            tree.live_children[p] += 1;
                            tree.parent[i] = Some(p);
                            tree.revision[i] += 1;
                            let fields = group_fields(&tree.input(i, groups));
                            close_current(&mut tx, &op, Table::Groups, groups[i].0).await?;
                            insert_version(&mut tx, &op, Table::Groups, groups[i].0, &fields)
                                .await?;
                            report.moves += 1;
                            continue;
                        }
                    }
                    tree.revision[i] += 1;
                    let fields = group_fields(&tree.input(i, groups));
                    close_current(&mut tx, &op, Table::Groups, groups[i].0).await?;
                    insert_version(&mut tx, &op, Table::Groups, groups[i].0, &fields).await?;
                    report.renames += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(report)
    }
}
