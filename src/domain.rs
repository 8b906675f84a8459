//! Purpose: value types shared by the store and the features, so that neither has to
//! import the other for them.
