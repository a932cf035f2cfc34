// planflow portal: lists the chosen files and checks them before sending (the server checks again).
(function () {
  "use strict";
  var input = document.getElementById("files");
  var form = document.getElementById("report-form");
  if (!input || !form) { return; }
  var list = document.getElementById("file-list");
  var problemsBox = document.getElementById("file-problems");
  var maxBytes = Number(input.getAttribute("data-max-bytes"));
  var maxFiles = Number(input.getAttribute("data-max-files"));
  var allowed = input.getAttribute("data-allowed").split(",");
  document.documentElement.className += " js";

  function size(n) {
    var units = [["GB", 1073741824], ["MB", 1048576], ["KB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) {
        return (n / units[i][1]).toFixed(1).replace(".0", "").replace(".", ",") + " " + units[i][0];
      }
    }
    return n + " byte";
  }

  function show(box, lines) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    lines.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      box.appendChild(li);
    });
    box.hidden = lines.length === 0;
  }

  function check() {
    var files = Array.prototype.slice.call(input.files || []);
    var problems = [];
    var names = [];
    if (files.length > maxFiles) {
      problems.push("Mỗi lần gửi chỉ được đính kèm tối đa " + maxFiles + " tệp.");
    }
    files.forEach(function (file) {
      var dot = file.name.lastIndexOf(".");
      var ext = dot < 0 ? "" : file.name.slice(dot + 1).toLowerCase();
      if (allowed.indexOf(ext) < 0) {
        problems.push("Tệp «" + file.name + "» có định dạng không được chấp nhận.");
      } else if (file.size > maxBytes) {
        problems.push("Tệp «" + file.name + "» vượt quá dung lượng tối đa cho phép (" + size(maxBytes) + ").");
      }
      names.push(file.name + " (" + size(file.size) + ")");
    });
    show(list, names);
    show(problemsBox, problems);
    return problems.length === 0;
  }

  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) {
      event.preventDefault();
      problemsBox.scrollIntoView({ block: "center" });
    }
  });
})();
