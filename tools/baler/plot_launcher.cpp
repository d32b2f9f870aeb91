// `baler` without PLplot: plot runs in the sibling tool `baler-plot`, which is the same command
// line with PLplot linked in. PLplot and what it loads (freetype, png, qhull, csiro, qsastime,
// ltdl, shp, brotli: 12 shared libraries) cost about 2.5 ms at every start of every mode, a
// quarter of baler's whole start (`baler --version`: ~10.7 -> ~8.2 ms); only plot needs them.
// (Linked into `baler` only; baler-plot and baler-train register the real mode.)
#include "sibling_launcher.hpp"

namespace baler::cli {
namespace {

const ModeRegistrar plot_reg{sibling_mode(
    "plot", "figures and summary tables comparing original and decompressed data", 50,
    Sibling{"baler-plot", "plotting", "PLplot"})};

}  // namespace
}  // namespace baler::cli
