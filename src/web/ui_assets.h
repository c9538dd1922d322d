// The browser UI files, compiled in (see cmake/embed_assets.cmake).
#pragma once

#include <cstddef>

namespace esafe::web {

struct UiAsset {
  const char* path;  // "/index.html"; nullptr ends the table
  const char* data;
  size_t size;
};

extern const UiAsset kUiAssets[];

}  // namespace esafe::web
