//! Foresight's scheduler: builds the conflict graph of a block from access sets and cuts it into
//! layers of mutually independent transactions.
