//! Purpose: tests of the learning review against a fixed data set whose figures were
//! computed by hand (the computation is written next to each assert).

mod audit;
mod culture_risks;
mod figures;
pub(super) mod fixture;
mod fixture_reviews;
mod perf;
mod render;
mod zones;
