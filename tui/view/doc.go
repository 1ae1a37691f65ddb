// Package view is the contract between the dashboard's root model (app)
// and its views: the View interface every tab implements (Init, Update,
// View, SetSize, a title, bubbles/key bindings, a filter and a status),
// optional interfaces for polling (Poller), keys taken before the global
// ones (Capturer), focus (Focuser) and ':' commands (Commander), the
// messages a view sends to the app (StatusMsg, NodeMsg, RefreshMsg), the
// global key bindings, and a list cursor shared by the list views.
package view
