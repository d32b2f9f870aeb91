// `baler` without LibTorch: train and diagnose run in the sibling tool `baler-train`, which is
// the same command line with LibTorch linked in. Loading LibTorch's ~300 shared libraries
// costs about a second at every start, so only the modes that train or run the network pay it.
// (Linked into `baler` and `baler-plot`; baler-train registers the real modes.)
#include "sibling_launcher.hpp"

namespace baler::cli {
namespace {

const Sibling kTrainTool{"baler-train", "training", "LibTorch"};

const ModeRegistrar train_reg{sibling_mode(
    "train", "derive the configured model from a data set: a table model (relations between columns) or an autoencoder",
    20, kTrainTool)};
const ModeRegistrar diagnose_reg{sibling_mode(
    "diagnose", "neural activation pattern of the trained model on the data (table, activations.npy, plots)",
    25, kTrainTool)};

}  // namespace
}  // namespace baler::cli
