// Every ROOT file of the shared data lists its keys, trees and branches as ROOT_INVENTORY.txt says.
#include <map>
#include <regex>

#include "root_test_util.hpp"

namespace baler::test {
namespace {

struct InventoryBranch {
  std::string name, type;
  bool jagged = false;
  std::string compress;
};
struct InventoryFile {
  std::string name, size, version, compress;
  std::vector<std::string> keys;   // "events;1 TTree"
  std::vector<std::string> trees;  // "events;1 entries 2421"
  std::vector<InventoryBranch> branches;
};

// numpy dtype code in uproot's interpretation -> baler dtype name.
std::string dtype_from_code(std::string code) {
  if (!code.empty() && (code[0] == '>' || code[0] == '<')) code.erase(0, 1);
  static const std::map<std::string, std::string> m = {
      {"bool", "bool"},     {"?", "bool"},       {"int8", "int8"},       {"i1", "int8"},
      {"uint8", "uint8"},   {"u1", "uint8"},     {"i2", "int16"},        {"u2", "uint16"},
      {"i4", "int32"},      {"u4", "uint32"},    {"i8", "int64"},        {"u8", "uint64"},
      {"f4", "float32"},    {"f8", "float64"}};
  auto it = m.find(code);
  if (it == m.end()) throw std::runtime_error("unknown code " + code);
  return it->second;
}

InventoryBranch parse_branch(const std::string& name, const std::string& interp,
                             const std::string& compress) {
  InventoryBranch b{name, "", false, compress};
  std::smatch m;
  if (interp == "asstring()") {
    b.type = "string";
  } else if (std::regex_match(interp, m, std::regex(R"(asjagged\(asdtype\('([^']+)'\)\))"))) {
    b.type = dtype_from_code(m[1]);
    b.jagged = true;
  } else if (std::regex_match(interp, m, std::regex(R"(asdtype\('([^']+)'\))"))) {
    b.type = dtype_from_code(m[1]);
  } else if (std::regex_match(interp, m, std::regex(R"lit(asdtype\("\('([^']+)', \((\d+),\)\)"\))lit"))) {
    b.type = dtype_from_code(m[1]) + "[" + m[2].str() + "]";
  } else if (std::regex_match(interp, m, std::regex(R"lit(asdtype\("\[(.*)\]"\))lit"))) {
    std::string fields = m[1], out = "{";
    std::regex field(R"(\('(\w+)', '([^']+)'\))");
    for (auto it = std::sregex_iterator(fields.begin(), fields.end(), field); it != std::sregex_iterator(); ++it)
      out += (out.size() > 1 ? "," : "") + (*it)[1].str() + ":" + dtype_from_code((*it)[2]);
    b.type = out + "}";
  } else {
    throw std::runtime_error("unknown interpretation " + interp);
  }
  return b;
}

std::vector<InventoryFile> read_inventory() {
  std::vector<InventoryFile> files;
  std::smatch m;
  for (const auto& line : read_lines(root_file("ROOT_INVENTORY.txt"))) {
    if (std::regex_search(line, m, std::regex(R"(^===== (\S+) (\d+) bytes; ROOT version (\d+) ; TFile fCompress (\d+))"))) {
      files.push_back({m[1], m[2], m[3], m[4], {}, {}, {}});
    } else if (std::regex_match(line, m, std::regex(R"(^  key (\S+ \S+)$)"))) {
      files.back().keys.push_back(m[1]);
    } else if (std::regex_match(line, m, std::regex(R"(^  TTree (\S+ entries \d+)$)"))) {
      files.back().trees.push_back(m[1]);
    } else if (std::regex_match(line, m, std::regex(R"(^      (\S+) (.*) \| branch fCompress (\d+)$)"))) {
      files.back().branches.push_back(parse_branch(m[1], m[2], m[3]));
    }
  }
  return files;
}

std::string version_string(const std::string& v) {
  const int n = std::stoi(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "ROOT %d.%02d/%02d", n / 10000, (n / 100) % 100, n % 100);
  return buf;
}

TEST(RootInventory, EveryFileListsAsTheInventorySays) {
  const auto files = read_inventory();
  ASSERT_EQ(files.size(), 15u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    const std::string text = describe_root_file(root_file(f.name));
    std::istringstream in(text);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines[0].find(f.size + " bytes"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(version_string(f.version)), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("fCompress " + f.compress + " "), std::string::npos) << lines[0];
    for (const auto& k : f.keys) EXPECT_NE(text.find("\nkey " + k + "  ("), std::string::npos) << k;
    for (const auto& t : f.trees) EXPECT_NE(text.find("\n  TTree " + t + ","), std::string::npos) << t;
    std::vector<std::string> branch_lines;
    for (const auto& l : lines)
      if (l.rfind("      ", 0) == 0) branch_lines.push_back(l.substr(6));
    ASSERT_EQ(branch_lines.size(), f.branches.size());
    for (std::size_t i = 0; i < f.branches.size(); ++i) {
      const auto& b = f.branches[i];
      const auto& l = branch_lines[i];
      const std::string prefix = b.name + "  " + b.type + (b.jagged ? "[" : "  fCompress " + b.compress + " ");
      EXPECT_EQ(l.rfind(prefix, 0), 0u) << "expected '" << prefix << "' in '" << l << "'";
      EXPECT_NE(l.find("fCompress " + b.compress + " "), std::string::npos) << l;
    }
    std::vector<std::string> expected_trees;
    for (const auto& t : f.trees) expected_trees.push_back(t.substr(0, t.find(';')));
    EXPECT_EQ(list_root_trees(root_file(f.name)), expected_trees);
  }
}

}  // namespace
}  // namespace baler::test
